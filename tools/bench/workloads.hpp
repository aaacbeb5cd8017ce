// The benchmark workloads, each written twice: with asyncpp and with raw Boost.Asio.
#ifndef ASYNCPP_TOOLS_BENCH_WORKLOADS_HPP
#define ASYNCPP_TOOLS_BENCH_WORKLOADS_HPP

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace bench {

/// One measured run: the work done (`ops`) and how long it took.
struct measurement {
  double seconds;
  std::uint64_t ops;
  double server_cpu_seconds = 0; ///< I/O workloads: CPU time of the thread running the server
};

/// The parameters of one run (sizes come from the driver's defaults and --scale).
struct params {
  std::size_t n = 0;             // tasks, timers, calls, lines, reads (yield: tasks)
  std::size_t per_task = 0;      // yield: sleep(0) per task; executor: batch size
  unsigned threads = 0;          // executor: pool threads
  double seconds = 0;            // echo: how long the client sends
  std::size_t connections = 0;   // echo
  std::size_t message_size = 0;  // echo
  unsigned short port = 0;       // echo: where the server listens (0: a free port)
};

/// What drives an I/O workload's server from another thread, given the server's port:
/// returns the operations done; the server stops when it returns.
using client_fn = std::uint64_t (*)(unsigned short port, const struct params& p);

/// The milliseconds each timer sleeps: the same pseudo-random 0-50 ms for both sides.
std::vector<int> timer_delays(std::size_t n);

/// The one echo client both servers are measured with: plain Asio on its own thread,
/// `connections` sockets each sending `message_size` bytes and reading them back until
/// `seconds` have passed. Returns the completed requests.
std::uint64_t run_echo_client(unsigned short port, const params& p);

/// The one client of stream_lines: plain Asio on its own thread, one connection that
/// sends `n` short lines at once and reads every answer back. Returns the lines answered.
std::uint64_t run_lines_client(unsigned short port, const params& p);

/// asyncpp-bench --serve: prints where the server listens, then waits for SIGINT or
/// SIGTERM (blocked in every thread by the caller) while ab or another load runs. Returns 0.
std::uint64_t wait_for_stop_signal(unsigned short port, const params& p);

/// CPU time the calling thread has used (the server's share of an I/O workload, whose
/// client runs on another thread of the same process).
double thread_cpu_seconds();

namespace asyncpp_side {
/// `on_strand`: the loop adopts a strand of its io_context (the multi-threaded-context
/// constructor), run here by one thread: what the strand itself costs.
measurement spawn_gather(const params& p, bool yield_once, bool on_strand = false);
measurement yield(const params& p, bool on_strand = false);
measurement timers(const params& p);
measurement executor(const params& p);
measurement echo(const params& p, client_fn client = run_echo_client);
measurement stream_lines(const params& p);
measurement wait_for(const params& p);
} // namespace asyncpp_side

namespace asio_side {
/// `bind_slots`: each child gets its own cancellation slot, as Asio code that can cancel
/// its children must do (the fair anchor for asyncpp, whose tasks are all cancellable).
/// `on_strand`: the coroutines run on a strand of the io_context, as Asio code for a
/// context run by several threads does.
measurement spawn_gather(const params& p, bool yield_once, bool bind_slots, bool on_strand = false);
measurement yield(const params& p, bool on_strand = false);
measurement timers(const params& p);
/// `batched`: each batch goes to the pool as one queue drained by posted steps and its
/// results come back in batches (the anchor); otherwise a post per function and per result.
measurement executor(const params& p, bool batched);
measurement echo(const params& p, client_fn client = run_echo_client);
measurement stream_lines(const params& p);
measurement wait_for(const params& p);
} // namespace asio_side

/// Seconds since `start` on the steady clock.
inline double seconds_since(std::chrono::steady_clock::time_point start)
{
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// Fails the run loudly when a workload computed the wrong thing.
void check(bool ok, const std::string& what);

} // namespace bench

#endif
