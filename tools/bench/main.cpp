// asyncpp-bench: each workload implemented with asyncpp and with raw Boost.Asio, run
// interleaved in child processes (so each side's peak RSS is its own), medians reported
// as the ratio asyncpp/Asio of time per operation (lower is better).

#include "../common/cli.hpp"
#include "workloads.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/program_options.hpp>

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace asio = boost::asio;
namespace po = boost::program_options;

namespace bench {

std::vector<int> timer_delays(std::size_t n)
{
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> ms(0, 50);
  std::vector<int> out(n);
  for (auto& d : out)
    d = ms(rng);
  return out;
}

void check(bool ok, const std::string& what)
{
  if (!ok)
    throw std::runtime_error("wrong result: " + what);
}

std::uint64_t run_echo_client(unsigned short port, const params& p)
{
  asio::io_context ctx(1);
  std::uint64_t requests = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(p.seconds);
  for (std::size_t c = 0; c < p.connections; ++c)
    asio::co_spawn(ctx, [&, port]() -> asio::awaitable<void> {
      asio::ip::tcp::socket socket(ctx);
      co_await socket.async_connect({asio::ip::make_address("127.0.0.1"), port}, asio::use_awaitable);
      socket.set_option(asio::ip::tcp::no_delay(true));
      std::vector<char> out(p.message_size, 'x'), in(p.message_size);
      while (std::chrono::steady_clock::now() < deadline) {
        co_await asio::async_write(socket, asio::buffer(out), asio::use_awaitable);
        co_await asio::async_read(socket, asio::buffer(in), asio::use_awaitable);
        ++requests;
      }
    }, asio::detached);
  ctx.run();
  return requests;
}

std::uint64_t run_lines_client(unsigned short port, const params& p)
{
  asio::io_context ctx(1);
  asio::ip::tcp::socket socket(ctx);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  socket.set_option(asio::ip::tcp::no_delay(true));
  std::string lines;
  for (std::size_t i = 0; i < p.n; ++i)
    lines += "line " + std::to_string(i) + "\n";
  // Everything is sent at once while the answers are read: the server's flow control is
  // what paces the two directions.
  asio::co_spawn(ctx, [&]() -> asio::awaitable<void> {
    co_await asio::async_write(socket, asio::buffer(lines), asio::use_awaitable);
    socket.shutdown(asio::ip::tcp::socket::shutdown_send);
  }, asio::detached);
  std::uint64_t answered = 0;
  std::size_t received = 0;
  asio::co_spawn(ctx, [&]() -> asio::awaitable<void> {
    std::vector<char> in(64 * 1024);
    while (received < lines.size()) {
      const std::size_t n = co_await socket.async_read_some(asio::buffer(in), asio::use_awaitable);
      answered += static_cast<std::uint64_t>(std::count(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(n), '\n'));
      received += n;
    }
  }, [](std::exception_ptr e) {
    if (e)
      std::rethrow_exception(e);
  });
  ctx.run();
  check(answered == p.n && received == lines.size(),
        "stream_lines: " + std::to_string(answered) + " lines answered of " + std::to_string(p.n));
  return answered;
}

std::uint64_t wait_for_stop_signal(unsigned short port, const params&)
{
  std::cout << "listening on 127.0.0.1:" << port << std::endl;
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  int received = 0;
  ::sigwait(&stop, &received);
  return 0;
}

double thread_cpu_seconds()
{
  timespec now{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

} // namespace bench

namespace {

struct workload {
  std::string name;
  bool server_cpu; // I/O workloads: compare the server's CPU time per operation
  // A second raw-Asio side measured as an extra anchor (empty: none), with its label:
  // Asio binding a cancellation slot per child (spawn workloads); Asio posting each
  // function and each result on its own (executor, whose main anchor batches them).
  std::string variant;
  std::string variant_label;
};

const std::vector<workload> all_workloads = {
    {"spawn_gather", false, "asio_slots", "  vs asio+slots"},
    {"spawn_yield_gather", false, "asio_slots", "  vs asio+slots"},
    {"yield", false, "", ""},
    {"timers", false, "", ""},
    {"executor", false, "asio_per_call", "  vs asio per call"},
    {"echo", true, "", ""},
    {"stream_lines", true, "", ""},
    {"strand_spawn_gather", false, "", ""},
    {"strand_yield", false, "", ""},
    {"wait_for", false, "", ""},
};

const workload& find_workload(const std::string& name)
{
  for (auto& w : all_workloads)
    if (w.name == name)
      return w;
  throw std::logic_error("no workload " + name);
}

std::string workload_names()
{
  std::string out;
  for (auto& w : all_workloads)
    out += (out.empty() ? "" : ", ") + w.name;
  return out;
}

struct options {
  double scale = 1.0;
  double echo_seconds = 3.0;
  bool pin = false;
  int port = 0; // --serve
};

bench::params params_for(const std::string& name, const options& o)
{
  auto scaled = [&](std::size_t n) { return std::max<std::size_t>(1, static_cast<std::size_t>(n * o.scale)); };
  bench::params p;
  if (name == "spawn_gather" || name == "spawn_yield_gather" || name == "strand_spawn_gather")
    p.n = scaled(200000);
  else if (name == "yield" || name == "strand_yield") {
    p.n = scaled(1000);
    p.per_task = 1000;
  } else if (name == "timers")
    p.n = scaled(100000);
  else if (name == "executor") {
    p.n = scaled(100000);
    p.per_task = 1000;
    p.threads = std::min(32u, std::max(1u, std::thread::hardware_concurrency()) + 4);
  } else if (name == "echo") {
    p.connections = 50;
    p.message_size = 1024;
    p.seconds = o.echo_seconds;
    p.port = static_cast<unsigned short>(o.port);
  } else if (name == "stream_lines" || name == "wait_for")
    p.n = scaled(1000000);
  return p;
}

std::size_t reported_n(const std::string& name, const bench::params& p)
{
  return name == "echo" ? p.connections : p.n;
}

bench::measurement run_one(const std::string& name, const std::string& side, const bench::params& p)
{
  namespace A = bench::asyncpp_side;
  namespace R = bench::asio_side;
  const bool mine = side == "asyncpp";
  const bool slots = side == "asio_slots";
  if (name == "spawn_gather" || name == "spawn_yield_gather") {
    const bool yield_once = name == "spawn_yield_gather";
    return mine ? A::spawn_gather(p, yield_once) : R::spawn_gather(p, yield_once, slots);
  }
  if (name == "yield")
    return mine ? A::yield(p) : R::yield(p);
  // A loop on a strand against Asio coroutines on a strand, each run by one thread.
  if (name == "strand_spawn_gather")
    return mine ? A::spawn_gather(p, false, true) : R::spawn_gather(p, false, false, true);
  if (name == "strand_yield")
    return mine ? A::yield(p, true) : R::yield(p, true);
  if (name == "timers")
    return mine ? A::timers(p) : R::timers(p);
  if (name == "executor")
    return mine ? A::executor(p) : R::executor(p, side != "asio_per_call");
  if (name == "stream_lines")
    return mine ? A::stream_lines(p) : R::stream_lines(p);
  if (name == "wait_for")
    return mine ? A::wait_for(p) : R::wait_for(p);
  return mine ? A::echo(p) : R::echo(p);
}

/// One side's run as its child process reported it.
struct sample {
  double seconds;
  double ops;
  long rss_kib;
  double server_cpu_seconds;

  double per_op(bool server_cpu) const { return (server_cpu ? server_cpu_seconds : seconds) / ops; }
};

// One run in a child process: this same binary with --child.
sample run_child(const std::string& exe, const std::string& name, const std::string& side, const options& o)
{
  std::ostringstream cmd;
  cmd << "'" << exe << "' --child " << name << " --side " << side << " --scale " << o.scale << " --echo-seconds "
      << o.echo_seconds << (o.pin ? " --pin" : "");
  FILE* pipe = ::popen(cmd.str().c_str(), "r");
  if (!pipe)
    throw std::runtime_error("cannot start " + exe);
  sample s{};
  const int got = std::fscanf(pipe, "%lf %lf %ld %lf", &s.seconds, &s.ops, &s.rss_kib, &s.server_cpu_seconds);
  const int status = ::pclose(pipe);
  if (got != 4 || status != 0)
    throw std::runtime_error("the " + side + " run of " + name + " failed");
  return s;
}

/// --pin: this process and its threads on one CPU (the last one it may use), the same
/// for every child, so neither side gains from a second core or loses to migrations.
void pin_to_one_cpu()
{
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (::sched_getaffinity(0, sizeof allowed, &allowed) != 0)
    throw std::runtime_error("--pin: cannot read this process's CPU affinity");
  int last = -1;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &allowed))
      last = cpu;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(last, &one);
  if (last < 0 || ::sched_setaffinity(0, sizeof one, &one) != 0)
    throw std::runtime_error("--pin: cannot pin to one CPU");
}

double median(std::vector<double> v)
{
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/// Medians of one side's rounds.
struct side_summary {
  double seconds, per_op, ops_per_s, rss_kib;
};

side_summary summarize(const std::vector<sample>& samples, bool server_cpu)
{
  std::vector<double> secs, per_op, rate, rss;
  for (auto& s : samples) {
    secs.push_back(s.seconds);
    per_op.push_back(s.per_op(server_cpu));
    rate.push_back(s.ops / s.seconds);
    rss.push_back(static_cast<double>(s.rss_kib));
  }
  return {median(secs), median(per_op), median(rate), median(rss)};
}

/// The median, min and max of the rounds' paired ratios mine/theirs: each round's two
/// runs saw the same machine, so the ratio cancels what drifted between rounds.
struct paired {
  double median, min, max;
};

template <class Value>
paired paired_ratios(const std::vector<sample>& mine, const std::vector<sample>& theirs, Value value)
{
  std::vector<double> ratios;
  for (std::size_t i = 0; i < mine.size(); ++i)
    ratios.push_back(value(mine[i]) / value(theirs[i]));
  const auto [lo, hi] = std::minmax_element(ratios.begin(), ratios.end());
  return {median(ratios), *lo, *hi};
}

std::string self_exe()
{
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0)
    throw std::runtime_error("cannot find my own executable");
  return std::string(buf, static_cast<std::size_t>(n));
}

int child_main(const std::string& name, const std::string& side, const options& o)
{
  if (o.pin)
    pin_to_one_cpu();
  const auto p = params_for(name, o);
  const auto m = run_one(name, side, p);
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  std::printf("%.9f %llu %ld %.9f\n", m.seconds, static_cast<unsigned long long>(m.ops), usage.ru_maxrss,
              m.server_cpu_seconds);
  return 0;
}

/// --serve SIDE: that side's echo server (the one the echo workload measures) until
/// SIGINT or SIGTERM, for an outside load such as ApacheBench; then its CPU time.
int serve_main(const std::string& side, const options& o)
{
  if (o.pin)
    pin_to_one_cpu();
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  ::pthread_sigmask(SIG_BLOCK, &stop, nullptr); // before any thread: only sigwait takes them
  const auto p = params_for("echo", o);
  const auto m = side == "asyncpp" ? bench::asyncpp_side::echo(p, bench::wait_for_stop_signal)
                                   : bench::asio_side::echo(p, bench::wait_for_stop_signal);
  std::cout << std::fixed << std::setprecision(3) << "served " << m.seconds << " s, server CPU " << m.server_cpu_seconds
            << " s" << std::endl;
  return 0;
}

std::vector<std::string> sides_of(const workload& w)
{
  std::vector<std::string> sides{"asyncpp", "asio"};
  if (!w.variant.empty())
    sides.push_back(w.variant);
  return sides;
}

std::string spread_of(const paired& r)
{
  std::ostringstream out;
  out << std::fixed << std::setprecision(2) << r.min << "-" << r.max;
  return out.str();
}

void print_row(const std::string& name, const bench::params& p, const workload& w,
               std::map<std::string, std::vector<sample>>& by_side, bool json)
{
  const auto& mine_runs = by_side["asyncpp"];
  const auto& raw_runs = by_side["asio"];
  const auto mine = summarize(mine_runs, w.server_cpu);
  const auto raw = summarize(raw_runs, w.server_cpu);
  const auto per_op = [&](const sample& s) { return s.per_op(w.server_cpu); };
  const auto ratio = paired_ratios(mine_runs, raw_runs, per_op);
  const auto rss = paired_ratios(mine_runs, raw_runs, [](const sample& s) { return static_cast<double>(s.rss_kib); });
  // The workload's extra anchor, if it has one.
  std::optional<side_summary> variant;
  std::optional<paired> vs_variant;
  if (!w.variant.empty() && by_side.count(w.variant)) {
    const auto& variant_runs = by_side[w.variant];
    variant = summarize(variant_runs, w.server_cpu);
    vs_variant = paired_ratios(mine_runs, variant_runs, per_op);
  }
  if (json) {
    std::cout << std::setprecision(6) << "{\"workload\": \"" << name << "\", \"n\": " << reported_n(name, p)
              << ", \"measure\": \"" << (w.server_cpu ? "server_cpu" : "wall") << "\", \"asyncpp_s\": " << mine.seconds
              << ", \"asio_s\": " << raw.seconds << ", \"ratio\": " << ratio.median << ", \"ratio_min\": " << ratio.min
              << ", \"ratio_max\": " << ratio.max << ", \"asyncpp_us_per_op\": " << mine.per_op * 1e6
              << ", \"asio_us_per_op\": " << raw.per_op * 1e6 << ", \"asyncpp_ops_s\": " << mine.ops_per_s
              << ", \"asio_ops_s\": " << raw.ops_per_s << ", \"asyncpp_rss_kib\": " << static_cast<long>(mine.rss_kib)
              << ", \"asio_rss_kib\": " << static_cast<long>(raw.rss_kib) << ", \"rss_ratio\": " << rss.median;
    if (variant) // asio_slots_s / ratio_vs_slots, asio_per_call_s / ratio_vs_per_call
      std::cout << ", \"" << w.variant << "_s\": " << variant->seconds << ", \"ratio_vs_" << w.variant.substr(5)
                << "\": " << vs_variant->median << ", \"ratio_vs_" << w.variant.substr(5)
                << "_min\": " << vs_variant->min << ", \"ratio_vs_" << w.variant.substr(5)
                << "_max\": " << vs_variant->max;
    std::cout << "}" << std::endl;
    return;
  }
  std::cout << std::left << std::setw(20) << name << std::right << std::setw(9) << reported_n(name, p) << std::fixed
            << std::setprecision(3) << std::setw(12) << mine.per_op * 1e6 << std::setw(12) << raw.per_op * 1e6
            << std::setprecision(2) << std::setw(7) << ratio.median << std::setw(12) << spread_of(ratio)
            << std::setprecision(0) << std::setw(13) << mine.ops_per_s << std::setw(13) << raw.ops_per_s
            << std::setw(10) << mine.rss_kib << std::setw(10) << raw.rss_kib << std::setprecision(2) << std::setw(7)
            << rss.median << "\n";
  if (variant)
    std::cout << std::left << std::setw(20) << w.variant_label << std::right << std::setw(9) << "" << std::setw(12)
              << "" << std::setprecision(3) << std::setw(12) << variant->per_op * 1e6 << std::setprecision(2)
              << std::setw(7) << vs_variant->median << std::setw(12) << spread_of(*vs_variant) << std::setw(13) << ""
              << std::setprecision(0) << std::setw(13) << variant->ops_per_s << std::setw(10) << "" << std::setw(10)
              << variant->rss_kib << "\n";
  std::cout.unsetf(std::ios::fixed);
}

int driver_main(const std::vector<std::string>& names, int rounds, bool json, const options& o)
{
  const std::string exe = self_exe();
  std::map<std::string, std::map<std::string, std::vector<sample>>> samples;
  // Round 0 warms up (caches, the CPU's clock) and is not recorded. In every round each
  // side of a workload runs once, the sides' order rotated from round to round, so
  // neither side always runs first (or right after the other's heavy run).
  for (int r = 0; r <= rounds; ++r)
    for (auto& name : names) {
      auto sides = sides_of(find_workload(name));
      std::rotate(sides.begin(), sides.begin() + r % static_cast<int>(sides.size()), sides.end());
      for (auto& side : sides) {
        const auto s = run_child(exe, name, side, o);
        if (r > 0)
          samples[name][side].push_back(s);
      }
      if (!json)
        std::cerr << (r == 0 ? std::string("warm-up") : "round " + std::to_string(r) + "/" + std::to_string(rounds))
                  << " " << name << " done\n";
    }

  if (!json)
    std::cout << std::left << std::setw(20) << "workload" << std::right << std::setw(9) << "n" << std::setw(12)
              << "asyncpp us" << std::setw(12) << "asio us" << std::setw(7) << "ratio" << std::setw(12) << "min-max"
              << std::setw(13) << "asyncpp op/s" << std::setw(13) << "asio op/s" << std::setw(10) << "rss KiB"
              << std::setw(10) << "asio KiB" << std::setw(7) << "rss x" << "\n";
  for (auto& name : names)
    print_row(name, params_for(name, o), find_workload(name), samples[name], json);
  return 0;
}

std::vector<std::string> split_workloads(const std::string& list)
{
  std::vector<std::string> out;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    const bool known = std::any_of(all_workloads.begin(), all_workloads.end(),
                                   [&](const workload& w) { return w.name == item; });
    if (!known)
      throw po::error("unknown workload '" + item + "' (" + workload_names() + ")");
    out.push_back(item);
  }
  return out;
}

} // namespace

int main(int argc, char** argv)
{
  options o;
  int rounds = 5;
  std::string workload_list;
  for (auto& w : all_workloads)
    workload_list += (workload_list.empty() ? "" : ",") + w.name;
  std::string child, side, serve;
  po::options_description visible("asyncpp-bench: asyncpp beside hand-written Boost.Asio\n\nOptions");
  visible.add_options()("help,h", "show this help")(
      "workloads,w", po::value(&workload_list)->default_value(workload_list), "comma-separated workloads to run")(
      "rounds,r", po::value(&rounds)->default_value(rounds), "measured rounds, after one warm-up round")(
      "scale", po::value(&o.scale)->default_value(o.scale), "multiply every workload's size (e.g. 0.01 for a smoke run)")(
      "echo-seconds", po::value(&o.echo_seconds)->default_value(o.echo_seconds), "how long the echo client sends")(
      "pin", po::bool_switch(&o.pin), "run every side's process on one CPU (the same one)")(
      "serve", po::value(&serve), "asyncpp|asio: run that side's echo server until Ctrl-C (for ab), then its CPU time")(
      "port", po::value(&o.port)->default_value(o.port), "--serve: port on 127.0.0.1 (0: a free one, printed)")(
      "json", "one JSON object per workload per line");
  po::options_description hidden;
  hidden.add_options()("child", po::value(&child))("side", po::value(&side));
  po::options_description all;
  all.add(visible).add(hidden);
  try {
    po::variables_map vm;
    po::store(cli::parse(std::vector<std::string>(argv + 1, argv + argc), all), vm);
    po::notify(vm);
    if (vm.count("help")) {
      std::cout << visible << "\nWorkloads: " << workload_names() << " (strand_*: the loop on a strand of its\n"
                << "io_context, against Asio coroutines on a strand; wait_for: a wait_for around a socket\n"
                << "read whose data is there, against a steady_timer armed and cancelled around it).\n"
                << "Each round runs both sides in child processes, their order rotated. The ratio is the\n"
                << "median (and min-max) of the rounds' paired ratios of asyncpp's time per operation\n"
                << "over Asio's; for echo and stream_lines, of the server thread's CPU time per request\n"
                << "or line (us columns), the client being the same plain-Asio code on another thread.\n"
                << "A \"vs\" row compares with a second raw-Asio form: a cancellation slot bound per child\n"
                << "(spawn workloads), a post per function and per result (executor, whose main anchor\n"
                << "hands the pool each batch as one queue and takes the results back in batches).\n";
      return 0;
    }
    if (rounds < 1 || rounds > 1000)
      throw po::error("--rounds must be between 1 and 1000");
    if (!(o.scale > 0) || o.scale > 100)
      throw po::error("--scale must be in (0, 100]");
    if (!(o.echo_seconds > 0) || o.echo_seconds > 600)
      throw po::error("--echo-seconds must be in (0, 600]");
    const auto names = split_workloads(workload_list);
    if (names.empty())
      throw po::error("no workload given");
    if (o.port < 0 || o.port > 65535)
      throw po::error("--port must be between 0 and 65535");
    if (!serve.empty()) {
      if (serve != "asyncpp" && serve != "asio")
        throw po::error("--serve must be asyncpp or asio");
      return serve_main(serve, o);
    }
    if (!child.empty()) {
      if (side != "asyncpp" && side != "asio" && side != "asio_slots" && side != "asio_per_call")
        throw po::error("--side must be asyncpp, asio, asio_slots or asio_per_call");
      return child_main(split_workloads(child).at(0), side, o);
    }
    return driver_main(names, rounds, vm.count("json") != 0, o);
  } catch (const po::error& e) {
    std::cerr << "asyncpp-bench: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "asyncpp-bench: " << e.what() << "\n";
    return 1;
  }
}
