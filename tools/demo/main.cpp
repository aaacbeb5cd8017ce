// asyncpp-demo: the seed's four programs (the examples themselves, linked in) and an echo
// pair on asyncpp's streams (TCP, unix sockets, TLS), and `run`: a command as a child process.

#include "../common/cli.hpp"
#include "../common/echo.hpp"

#include <asyncpp/asyncpp.hpp>
#if defined(ASYNCPP_WITH_SSL)
#include <asyncpp/ssl.hpp>
#endif

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/write.hpp>
#include <boost/program_options.hpp>

#include <algorithm>
#include <csignal>
#include <functional>
#include <iomanip>
#include <iostream>
#include <latch>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

// The examples' main functions, compiled under these names into this program.
int asyncpp_example_hello_goodbye();
int asyncpp_example_low_level_loop();
int asyncpp_example_gather_factorial();
int asyncpp_example_run_in_executor();

namespace asio = boost::asio;
namespace po = boost::program_options;
using asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

/// Parses a command's options; --help prints them. Throws po::error on bad input.
bool parse(const std::string& command, const std::vector<std::string>& args, po::options_description& desc,
           po::variables_map& vm)
{
  desc.add_options()("help,h", "show this help");
  po::store(cli::parse(args, desc), vm);
  if (vm.count("help")) {
    std::cout << "usage: asyncpp-demo " << command << " [options]\n" << desc;
    return false;
  }
  po::notify(vm); // after --help: required options need not be given with it
  return true;
}

/// The seed's programs take no options.
int seed_program(const std::string& command, const std::vector<std::string>& args, int (*program)())
{
  po::options_description desc("Options");
  po::variables_map vm;
  if (!parse(command, args, desc, vm))
    return 0;
  return program();
}

/// Cancels `work` on SIGINT or SIGTERM: the clean way out of a long-running command.
asyncpp::awaitable<void> cancel_on_signal(asyncpp::task<void> work)
{
  asio::signal_set signals(co_await asio::this_coro::executor, SIGINT, SIGTERM);
  co_await signals.async_wait(asio::use_awaitable);
  work.cancel("interrupted");
}

/// Runs `work` until it ends or a signal arrives; true if it was interrupted.
asyncpp::awaitable<bool> run_interruptible(asyncpp::awaitable<void> work)
{
  auto& loop = asyncpp::get_running_loop();
  auto task = loop.create_task(std::move(work));
  auto watcher = loop.create_task(cancel_on_signal(task));
  bool interrupted = false;
  try {
    co_await task.wait();
  } catch (const asyncpp::cancelled_error&) {
    interrupted = true;
  }
  watcher.cancel();
  co_return interrupted;
}

/// The TLS context of either side: a throwaway certificate for the server; a client that
/// does not verify it (a loopback load generator).
struct tls_setup {
#if defined(ASYNCPP_WITH_SSL)
  std::unique_ptr<asio::ssl::context> context;
  tls_setup(bool server, const std::string& host)
  {
    if (server) {
      const auto cert = asyncpp::make_self_signed_certificate(host);
      context = std::make_unique<asio::ssl::context>(
          asyncpp::make_server_context(cert.certificate_pem, cert.private_key_pem));
    } else {
      context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
      context->set_verify_mode(asio::ssl::verify_none);
    }
  }
  asio::ssl::context* get() { return context.get(); }
#else
  tls_setup(bool, const std::string&) { throw po::error("--tls: this asyncpp was built without TLS (OpenSSL)"); }
  asio::ssl::context* get() { return nullptr; }
#endif
};

/// The --host, --unix and --tls checks of both sides.
void check_transport(const std::string& host, const std::string& unix_path, bool tls)
{
  if (!unix_path.empty() && tls)
    throw po::error("--tls is for TCP connections, not --unix");
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  if (ec)
    throw po::error("--host: '" + host + "' is not an IP address");
}

/// One loop of the echo server (one per thread with --loops): how to stop it, what it served.
struct echo_loop {
  asyncpp::event_loop* loop = nullptr;
  asyncpp::event* stop = nullptr; // set on the loop's own thread
  std::size_t served = 0;
};

/// What every loop's server is started with.
struct echo_listen {
  std::string host, unix_path;
  asio::ssl::context* ssl = nullptr;
  bool reuse_port = false;
};

/// Starts one loop's server; its handler counts the connections in `me`.
asyncpp::awaitable<asyncpp::server> start_echo(const echo_listen& how, std::uint16_t port, echo_loop& me)
{
  auto counting_echo = [&me](asyncpp::stream_reader reader, asyncpp::stream_writer writer) {
    ++me.served;
    return echo::session(std::move(reader), std::move(writer));
  };
  // A live dump of this loop's tasks (kill -USR1 <pid>): what each one waits on, and where.
  asyncpp::get_running_loop().add_signal_handler(SIGUSR1,
                                                 [] { std::cerr << asyncpp::format_all_tasks() << std::flush; });
  if (!how.unix_path.empty())
    co_return co_await asyncpp::start_unix_server(counting_echo, how.unix_path);
  asyncpp::server_options options;
  options.ssl = how.ssl;
  options.reuse_port = how.reuse_port;
  co_return co_await asyncpp::start_server(counting_echo, how.host, port, options);
}

/// The graceful end of one loop's server: no new connections, every client closed, every
/// handler finished.
asyncpp::awaitable<void> close_echo(asyncpp::server& server)
{
  server.close();
  server.close_clients();
  co_await server.wait_closed();
}

/// The loops after the first, each on its own thread, sharing the first loop's port
/// (SO_REUSEPORT: the kernel spreads the connections; each loop serves its own).
class extra_echo_loops {
public:
  extra_echo_loops(std::vector<echo_loop>& loops, const echo_listen& how, std::uint16_t port)
      : loops_(loops), started_(static_cast<std::ptrdiff_t>(loops.size() - 1))
  {
    for (std::size_t i = 1; i < loops.size(); ++i)
      threads_.emplace_back([this, &how, port, i] { asyncpp::run(serve(how, port, loops_[i])); });
  }

  /// Waits (off the calling loop) until every loop listens; throws the first one's error.
  asyncpp::awaitable<void> wait_listening()
  {
    co_await asyncpp::to_thread([this] { started_.wait(); });
    if (error_)
      std::rethrow_exception(error_);
  }

  /// Stops every loop that listens and joins the threads (started_ counted every one down).
  ~extra_echo_loops()
  {
    started_.wait();
    for (std::size_t i = 1; i < loops_.size(); ++i)
      if (loops_[i].loop)
        loops_[i].loop->call_soon_threadsafe([stop = loops_[i].stop] { stop->set(); });
    for (auto& t : threads_)
      t.join();
  }

private:
  asyncpp::awaitable<void> serve(const echo_listen& how, std::uint16_t port, echo_loop& me)
  {
    std::optional<asyncpp::server> server;
    asyncpp::event stop;
    try {
      server.emplace(co_await start_echo(how, port, me));
      me.stop = &stop;
      me.loop = &asyncpp::get_running_loop();
    } catch (...) {
      const std::lock_guard lock(error_mutex_);
      if (!error_)
        error_ = std::current_exception();
    }
    started_.count_down();
    if (!server)
      co_return;
    co_await stop.wait();
    co_await close_echo(*server);
  }

  std::vector<echo_loop>& loops_;
  std::latch started_;
  std::mutex error_mutex_;
  std::exception_ptr error_;
  std::vector<std::thread> threads_;
};

int echo_server(const std::vector<std::string>& args)
{
  echo_listen how;
  how.host = "127.0.0.1";
  int port = 0, loop_count = 1;
  double seconds = 0;
  bool tls = false;
  po::options_description desc("Options");
  desc.add_options()("host", po::value(&how.host)->default_value(how.host), "address to listen on")(
      "port", po::value(&port)->default_value(port), "port to listen on (0: any free port, printed)")(
      "unix", po::value(&how.unix_path), "listen on this unix socket path instead of TCP")(
      "tls", po::bool_switch(&tls), "TLS with a throwaway self-signed certificate")(
      "loops", po::value(&loop_count)->default_value(loop_count),
      "event loops, one per thread, sharing the port (reuse_port; TCP only; 1-64)")(
      "seconds", po::value(&seconds)->default_value(seconds), "stop after this long (0: until Ctrl-C)");
  po::variables_map vm;
  if (!parse("echo-server", args, desc, vm))
    return 0;
  check_transport(how.host, how.unix_path, tls);
  if (port < 0 || port > 65535)
    throw po::error("--port must be between 0 and 65535");
  if (!(seconds >= 0 && seconds <= 86400)) // also refuses nan
    throw po::error("--seconds must be between 0 and 86400");
  if (loop_count < 1 || loop_count > 64)
    throw po::error("--loops must be between 1 and 64");
  if (loop_count > 1 && !how.unix_path.empty())
    throw po::error("--loops above 1 shares a TCP port (reuse_port), not --unix");
  std::optional<tls_setup> certificate;
  if (tls)
    certificate.emplace(true, how.host);
  how.ssl = certificate ? certificate->get() : nullptr;
  how.reuse_port = loop_count > 1;

  std::vector<echo_loop> loops(static_cast<std::size_t>(loop_count));
  const bool interrupted = asyncpp::run([&]() -> asyncpp::awaitable<bool> {
    // This thread's loop binds first (port 0 picks one); the other loops join its port.
    auto server = co_await start_echo(how, static_cast<std::uint16_t>(port), loops[0]);
    std::optional<extra_echo_loops> others;
    if (loops.size() > 1) {
      others.emplace(loops, how, server.port());
      co_await others->wait_listening();
    }
    std::cout << "listening on " << server.addresses().at(0) << (tls ? " (TLS)" : "");
    if (loops.size() > 1)
      std::cout << " with " << loops.size() << " loops";
    std::cout << std::endl;
    auto serve = [&]() -> asyncpp::awaitable<void> {
      if (seconds > 0)
        co_await asyncpp::sleep(std::chrono::duration<double>(seconds));
      else
        co_await server.serve_forever();
    };
    const bool stopped_by_signal = co_await run_interruptible(serve());
    co_await close_echo(server);
    others.reset(); // stops the other loops (each closes its own clients) and joins them
    co_return stopped_by_signal;
  }());
  std::size_t served = 0;
  for (std::size_t i = 0; i < loops.size(); ++i) {
    if (loops.size() > 1)
      std::cout << "loop " << i << " served " << loops[i].served << " connections" << std::endl;
    served += loops[i].served;
  }
  std::cout << (interrupted ? "interrupted; " : "") << "served " << served << " connections" << std::endl;
  return 0;
}

/// One client: connects, then sends `size` bytes and reads them back until `deadline`.
asyncpp::awaitable<void> client_connection(
    asyncpp::awaitable<std::pair<asyncpp::stream_reader, asyncpp::stream_writer>> connecting, std::size_t size,
    clock_type::time_point deadline, std::vector<double>& latencies_us)
{
  auto [reader, writer] = co_await std::move(connecting);
  const std::string request(size, 'x');
  while (clock_type::now() < deadline) {
    const auto sent = clock_type::now();
    writer.write(request);
    co_await writer.drain();
    co_await reader.readexactly(size);
    latencies_us.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - sent).count());
  }
}

int echo_client(const std::vector<std::string>& args)
{
  std::string host = "127.0.0.1", unix_path;
  int port = 0;
  long long connections = 10, size = 1024;
  double seconds = 3;
  bool tls = false;
  po::options_description desc("Options");
  desc.add_options()("host", po::value(&host)->default_value(host), "server address (loopback only)")(
      "port", po::value(&port), "server port (required for TCP)")(
      "unix", po::value(&unix_path), "connect to this unix socket path instead of TCP")(
      "tls", po::bool_switch(&tls), "TLS, without verifying the server's certificate (loopback load)")(
      "connections", po::value(&connections)->default_value(connections), "concurrent connections (1-1000)")(
      "seconds", po::value(&seconds)->default_value(seconds), "how long to send (at most 3600)")(
      "size", po::value(&size)->default_value(size), "bytes per request (1-1048576)");
  po::variables_map vm;
  if (!parse("echo-client", args, desc, vm))
    return 0;
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  // A load generator: it only ever talks to this machine.
  if (ec || !address.is_loopback())
    throw po::error("--host must be a loopback address (127.0.0.0/8 or ::1), not '" + host + "'");
  check_transport(host, unix_path, tls);
  if (unix_path.empty() && !vm.count("port"))
    throw po::error("the option '--port' is required but missing");
  if (unix_path.empty() && (port < 1 || port > 65535))
    throw po::error("--port must be between 1 and 65535");
  if (connections < 1 || connections > 1000)
    throw po::error("--connections must be between 1 and 1000");
  if (!(seconds > 0) || seconds > 3600)
    throw po::error("--seconds must be more than 0 and at most 3600");
  if (size < 1 || size > 1048576)
    throw po::error("--size must be between 1 and 1048576");

  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(connections));
  const auto start = clock_type::now();
  const bool interrupted = asyncpp::run([&]() -> asyncpp::awaitable<bool> {
    const auto deadline = clock_type::now() + std::chrono::duration_cast<clock_type::duration>(
                                                  std::chrono::duration<double>(seconds));
    std::optional<tls_setup> no_verify;
    asyncpp::stream_options options;
    if (tls) {
      no_verify.emplace(false, host);
      options.ssl = no_verify->get();
    }
    std::vector<asyncpp::awaitable<void>> clients;
    for (auto& l : latencies)
      clients.push_back(client_connection(unix_path.empty()
                                              ? asyncpp::open_connection(host, static_cast<std::uint16_t>(port), options)
                                              : asyncpp::open_unix_connection(unix_path),
                                          static_cast<std::size_t>(size), deadline, l));
    co_return co_await run_interruptible([](std::vector<asyncpp::awaitable<void>> all) -> asyncpp::awaitable<void> {
      co_await asyncpp::gather(std::move(all));
    }(std::move(clients)));
  }());
  const double elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
  std::vector<double> all;
  for (auto& l : latencies)
    all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double q) { return all.empty() ? 0.0 : all[std::min(all.size() - 1, std::size_t(q * all.size()))]; };
  std::cout << std::fixed << std::setprecision(0) << (interrupted ? "interrupted; " : "") << all.size()
            << " requests in " << std::setprecision(2) << elapsed << " s: " << std::setprecision(0)
            << all.size() / elapsed << " req/s; latency us p50 " << pct(0.5) << ", p90 " << pct(0.9) << ", p99 "
            << pct(0.99) << ", max " << (all.empty() ? 0.0 : all.back()) << std::endl;
  return 0;
}

/// Copies what the child writes to `to` as it comes (not line by line: a prompt without a
/// newline shows too).
asyncpp::awaitable<void> copy_stream(asyncpp::stream_reader from, std::ostream& to)
{
  for (std::string chunk; !(chunk = co_await from.read(64 * 1024)).empty();)
    to << chunk << std::flush;
}

/// Passes SIGINT and SIGTERM on to the child, until cancelled.
asyncpp::awaitable<void> forward_signals(asyncpp::process child)
{
  asio::signal_set signals(co_await asio::this_coro::executor, SIGINT, SIGTERM);
  for (;;)
    child.send_signal(co_await signals.async_wait(asio::use_awaitable));
}

int run_command(const std::vector<std::string>& args)
{
  const auto dashes = std::find(args.begin(), args.end(), "--");
  po::options_description desc("asyncpp-demo run [options] -- COMMAND [ARGS...] runs COMMAND with its output\n"
                               "streamed through this program and exits with its exit code (128+N when signal N\n"
                               "killed it); SIGINT and SIGTERM are passed on.\n\nOptions");
  po::variables_map vm;
  if (!parse("run", std::vector<std::string>(args.begin(), dashes), desc, vm))
    return 0;
  if (dashes == args.end() || dashes + 1 == args.end())
    throw po::error("give the command after --, e.g. asyncpp-demo run -- ls -l");
  const std::string program = *(dashes + 1);
  const std::vector<std::string> arguments(dashes + 2, args.end());
  return asyncpp::run([&]() -> asyncpp::awaitable<int> {
    asyncpp::subprocess_options options;
    options.out = asyncpp::redirect::pipe;
    options.err = asyncpp::redirect::pipe;
    std::optional<asyncpp::process> child;
    try {
      child.emplace(co_await asyncpp::create_subprocess_exec(program, arguments, options));
    } catch (const boost::system::system_error& e) {
      throw po::error("cannot run '" + program + "': " + e.code().message());
    }
    auto forwarding = asyncpp::get_running_loop().create_task(forward_signals(*child));
    auto out = copy_stream(*child->stdout_pipe, std::cout);
    auto err = copy_stream(*child->stderr_pipe, std::cerr);
    co_await asyncpp::gather(std::move(out), std::move(err));
    const int code = co_await child->wait();
    forwarding.cancel();
    co_return code < 0 ? 128 - code : code;
  }());
}

struct command {
  const char* name;
  const char* summary;
  std::function<int(const std::vector<std::string>&)> run;
};

const std::vector<command>& commands()
{
  static const std::vector<command> all = {
      {"hello", "asyncio.run + sleep: <ctime> Hello!, then <ctime> Goodbye! a second later",
       [](auto& a) { return seed_program("hello", a, asyncpp_example_hello_goodbye); }},
      {"low-level", "the same main() through get_event_loop, create_task, run_until_complete, close",
       [](auto& a) { return seed_program("low-level", a, asyncpp_example_low_level_loop); }},
      {"gather", "gather of factorial(2), (3), (4), run concurrently: prints [2, 6, 24]",
       [](auto& a) { return seed_program("gather", a, asyncpp_example_gather_factorial); }},
      {"executor", "run_in_executor: Hello!, a blocking function's line 0.5 s later, Goodbye! 1 s after",
       [](auto& a) { return seed_program("executor", a, asyncpp_example_run_in_executor); }},
      {"echo-server", "echo server on streams (--host, --port, --unix, --tls, --loops, --seconds)", echo_server},
      {"echo-client", "echo load on loopback (--port or --unix, --tls, --connections, --seconds, --size): req/s, latency",
       echo_client},
      {"run", "run -- COMMAND [ARGS...]: a child process, its output streamed, its exit code passed through",
       run_command},
  };
  return all;
}

void usage(std::ostream& out)
{
  out << "usage: asyncpp-demo <command> [options]   (asyncpp-demo <command> --help for its options)\n\ncommands:\n";
  for (auto& c : commands())
    out << "  " << std::left << std::setw(13) << c.name << c.summary << "\n";
}

} // namespace

int main(int argc, char** argv)
{
  const std::string first = argc > 1 ? argv[1] : "";
  if (first.empty() || first == "--help" || first == "-h") {
    usage(std::cout);
    return first.empty() ? 2 : 0;
  }
  const auto it = std::find_if(commands().begin(), commands().end(), [&](const command& c) { return c.name == first; });
  if (it == commands().end()) {
    std::cerr << "asyncpp-demo: unknown command '" << first << "' (see asyncpp-demo --help)\n";
    return 2;
  }
  try {
    return it->run(std::vector<std::string>(argv + 2, argv + argc));
  } catch (const po::error& e) {
    std::cerr << "asyncpp-demo " << it->name << ": " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "asyncpp-demo " << it->name << ": " << e.what() << "\n";
    return 1;
  }
}
