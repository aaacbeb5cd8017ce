// A small multi-client chat on streams: every line a client sends goes to every other
// client, prefixed with the sender's address. A queue per client (a slow client only
// fills its own), one broadcast task, and a graceful Ctrl-C: every client is told and
// closed before the program exits. Usage: line_chat [PORT] (default 8888; 0: a free one).
// The Python version is beside it in examples/README.md.
#include <asyncpp/asyncpp.hpp>

#include <cstdlib>
#include <iostream>
#include <list>
#include <string>

using asyncpp::awaitable;

struct chat {
  struct client {
    std::string name;
    asyncpp::queue<std::string> outbox{100}; // bounded: a client that stops reading loses lines
  };
  std::list<client> clients;
  asyncpp::queue<std::pair<const client*, std::string>> said;

  /// Hands every line said to every other client.
  awaitable<void> broadcast()
  {
    for (;;) {
      auto [from, line] = co_await said.get();
      for (auto& c : clients)
        if (&c != from && !c.outbox.full())
          c.outbox.put_nowait("[" + from->name + "] " + line);
    }
  }

  /// One connection: its lines go to `said`, its outbox goes to the socket.
  awaitable<void> serve(asyncpp::stream_reader reader, asyncpp::stream_writer writer)
  {
    auto& me = clients.emplace_back();
    me.name = writer.peername();
    std::cout << me.name << " joined" << std::endl;
    auto sender = asyncpp::get_running_loop().create_task([&]() -> awaitable<void> {
      for (;;) {
        writer.write(co_await me.outbox.get());
        co_await writer.drain();
      }
    });
    try {
      for (std::string line; !(line = co_await reader.readline()).empty();)
        co_await said.put({&me, line});
    } catch (const boost::system::system_error&) { // the client went away
    }
    sender.cancel();
    try {
      co_await sender.wait();
    } catch (const asyncpp::cancelled_error&) {
    }
    std::cout << me.name << " left" << std::endl;
    clients.remove_if([&](const client& c) { return &c == &me; });
  }
};

awaitable<void> main_chat(std::uint16_t port)
{
  chat room;
  auto serve = [&room](asyncpp::stream_reader r, asyncpp::stream_writer w) { return room.serve(r, w); };
  auto server = co_await asyncpp::start_server(serve, "127.0.0.1", port);
  std::cout << "chat on " << server.addresses().at(0) << std::endl;
  auto broadcaster = asyncpp::get_running_loop().create_task(room.broadcast());
  asyncpp::event never;
  try {
    co_await never.wait(); // until Ctrl-C cancels this task
  } catch (const asyncpp::cancelled_error&) {
    std::cout << "shutting down" << std::endl;
  }
  server.close(); // no new clients; those connected are told, then closed
  for (auto& c : room.clients)
    c.outbox.put_nowait("server shutting down\n");
  co_await asyncpp::sleep(std::chrono::milliseconds(100)); // let the last lines go out
  server.close_clients();
  co_await server.wait_closed();
  broadcaster.cancel();
  std::cout << "bye" << std::endl;
}

int main(int argc, char** argv)
{
  const auto port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 8888);
  asyncpp::run(main_chat(port));
}
