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

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>
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

} // namespace bench

namespace {

struct workload {
  std::string name;
  bool has_slot_variant; // spawn workloads: also measure Asio with a slot per child
};

const std::vector<workload> all_workloads = {
    {"spawn_gather", true}, {"spawn_yield_gather", true}, {"yield", false},         {"timers", false},
    {"executor", false},    {"echo", false},              {"strand_spawn_gather", false}, {"strand_yield", false},
};

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
  }
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
    return mine ? A::executor(p) : R::executor(p);
  return mine ? A::echo(p) : R::echo(p);
}

struct sample {
  double seconds;
  double ops;
  long rss_kib;
};

// One run in a child process: this same binary with --child.
sample run_child(const std::string& exe, const std::string& name, const std::string& side, const options& o)
{
  std::ostringstream cmd;
  cmd << "'" << exe << "' --child " << name << " --side " << side << " --scale " << o.scale << " --echo-seconds "
      << o.echo_seconds;
  FILE* pipe = ::popen(cmd.str().c_str(), "r");
  if (!pipe)
    throw std::runtime_error("cannot start " + exe);
  sample s{};
  const int got = std::fscanf(pipe, "%lf %lf %ld", &s.seconds, &s.ops, &s.rss_kib);
  const int status = ::pclose(pipe);
  if (got != 3 || status != 0)
    throw std::runtime_error("the " + side + " run of " + name + " failed");
  return s;
}

double median(std::vector<double> v)
{
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

struct summary {
  double seconds, per_op, ops_per_s, rss_kib;
};

summary summarize(const std::vector<sample>& samples)
{
  std::vector<double> secs, per_op, rss;
  for (auto& s : samples) {
    secs.push_back(s.seconds);
    per_op.push_back(s.seconds / s.ops);
    rss.push_back(static_cast<double>(s.rss_kib));
  }
  const double p = median(per_op);
  return {median(secs), p, 1.0 / p, median(rss)};
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
  const auto p = params_for(name, o);
  const auto m = run_one(name, side, p);
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  std::printf("%.9f %llu %ld\n", m.seconds, static_cast<unsigned long long>(m.ops), usage.ru_maxrss);
  return 0;
}

int driver_main(const std::vector<std::string>& names, int rounds, bool json, const options& o)
{
  const std::string exe = self_exe();
  std::map<std::string, std::map<std::string, std::vector<sample>>> samples;
  // Interleaved: every round runs each side of each workload once, so drift in the
  // machine's load spreads over both sides alike.
  for (int r = 0; r < rounds; ++r)
    for (auto& name : names) {
      std::vector<std::string> sides{"asyncpp", "asio"};
      for (auto& w : all_workloads)
        if (w.name == name && w.has_slot_variant)
          sides.push_back("asio_slots");
      for (auto& side : sides)
        samples[name][side].push_back(run_child(exe, name, side, o));
      if (!json)
        std::cerr << "round " << r + 1 << "/" << rounds << " " << name << " done\n";
    }

  if (!json)
    std::cout << std::left << std::setw(20) << "workload" << std::right << std::setw(9) << "n" << std::setw(12)
              << "asyncpp s" << std::setw(12) << "asio s" << std::setw(8) << "ratio" << std::setw(14)
              << "asyncpp op/s" << std::setw(14) << "asio op/s" << std::setw(12) << "rss KiB" << std::setw(12)
              << "asio KiB" << std::setw(8) << "rss x" << "\n";
  for (auto& name : names) {
    const auto p = params_for(name, o);
    const auto mine = summarize(samples[name]["asyncpp"]);
    const auto raw = summarize(samples[name]["asio"]);
    const double ratio = mine.per_op / raw.per_op;
    const bool has_slots = samples[name].count("asio_slots") != 0;
    const auto slots = has_slots ? summarize(samples[name]["asio_slots"]) : summary{};
    if (json) {
      std::cout << std::setprecision(6) << "{\"workload\": \"" << name << "\", \"n\": " << reported_n(name, p)
                << ", \"asyncpp_s\": " << mine.seconds << ", \"asio_s\": " << raw.seconds << ", \"ratio\": " << ratio
                << ", \"asyncpp_rss_kib\": " << static_cast<long>(mine.rss_kib)
                << ", \"asio_rss_kib\": " << static_cast<long>(raw.rss_kib);
      if (has_slots)
        std::cout << ", \"asio_slots_s\": " << slots.seconds << ", \"ratio_vs_slots\": " << mine.per_op / slots.per_op;
      std::cout << "}" << std::endl;
      continue;
    }
    std::cout << std::left << std::setw(20) << name << std::right << std::setw(9) << reported_n(name, p)
              << std::fixed << std::setprecision(4) << std::setw(12) << mine.seconds << std::setw(12) << raw.seconds
              << std::setprecision(2) << std::setw(8) << ratio << std::setprecision(0) << std::setw(14)
              << mine.ops_per_s << std::setw(14) << raw.ops_per_s << std::setw(12) << mine.rss_kib << std::setw(12)
              << raw.rss_kib << std::setprecision(2) << std::setw(8) << mine.rss_kib / raw.rss_kib << "\n";
    if (has_slots)
      std::cout << std::left << std::setw(20) << "  vs asio+slots" << std::right << std::setw(9) << ""
                << std::setprecision(4) << std::setw(12) << "" << std::setw(12) << slots.seconds
                << std::setprecision(2) << std::setw(8) << mine.per_op / slots.per_op << std::setprecision(0)
                << std::setw(14) << "" << std::setw(14) << slots.ops_per_s << std::setw(12) << ""
                << std::setw(12) << slots.rss_kib << std::setprecision(2) << std::setw(8)
                << mine.rss_kib / slots.rss_kib << "\n";
    std::cout.unsetf(std::ios::fixed);
  }
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
  std::string workload_list = "spawn_gather,spawn_yield_gather,yield,timers,executor,echo,strand_spawn_gather,strand_yield";
  std::string child, side;
  po::options_description visible("asyncpp-bench: asyncpp beside hand-written Boost.Asio\n\nOptions");
  visible.add_options()("help,h", "show this help")(
      "workloads,w", po::value(&workload_list)->default_value(workload_list), "comma-separated workloads to run")(
      "rounds,r", po::value(&rounds)->default_value(rounds), "interleaved rounds (medians are reported)")(
      "scale", po::value(&o.scale)->default_value(o.scale), "multiply every workload's size (e.g. 0.01 for a smoke run)")(
      "echo-seconds", po::value(&o.echo_seconds)->default_value(o.echo_seconds), "how long the echo client sends")(
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
                << "io_context, against Asio coroutines on a strand).\n"
                << "The ratio is asyncpp's time per operation over Asio's (for echo: Asio's req/s over asyncpp's).\n";
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
    if (!child.empty()) {
      if (side != "asyncpp" && side != "asio" && side != "asio_slots")
        throw po::error("--side must be asyncpp, asio or asio_slots");
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
