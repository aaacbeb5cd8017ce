// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_INTROSPECT_HPP
#define ASYNCPP_INTROSPECT_HPP

#include <asyncpp/config.hpp>
#include <asyncpp/event_loop.hpp>
#include <asyncpp/task.hpp>

#include <source_location>
#include <string>
#include <vector>

// Python 3.14's asyncio.capture_call_graph / print_call_graph and `python -m asyncio ps` /
// `pstree`, read from what every asyncpp wait records as it begins (what it waits on, where
// it was called from) and from who is linked as waiting for each task.
//
// Thread safety: call these from a step of the loop whose tasks they describe (a task, a
// callback, a handler added with add_signal_handler), like every task member.

namespace asyncpp {

/// One wait: what it waits on ("sleep(1.5s)", "queue.get()", "gather(3)", "wait(Task-4)",
/// "Asio operation") and the call that began it (file_name() is empty when unknown).
struct frame_info {
  std::string what;
  std::source_location where;
};

/// A task, what it is suspended in now, and who awaits it, recursively.
struct call_graph {
  task_handle task;                   ///< the task described
  std::vector<frame_info> waiting_on; ///< innermost first; empty while it runs or once done
  std::vector<call_graph> awaited_by; ///< tasks (and gather / task_group owners) awaiting it
};

/// The call graph of `t`.
ASYNCPP_DECL call_graph capture_call_graph(const task_handle& t);
/// The call graph of the current task; std::runtime_error outside a task.
ASYNCPP_DECL call_graph capture_call_graph();

/// capture_call_graph(t) as indented text, like Python's format_call_graph.
ASYNCPP_DECL std::string format_call_graph(const task_handle& t);
ASYNCPP_DECL std::string format_call_graph();
/// format_call_graph() written to stderr.
ASYNCPP_DECL void print_call_graph(const task_handle& t);
ASYNCPP_DECL void print_call_graph();

/// Every unfinished task of `loop`: a table (id, name, state, what it waits on and where,
/// where it was created), then the tree of who awaits whom, roots first. For a live dump:
/// `loop.add_signal_handler(SIGUSR1, [&] { std::fputs(format_all_tasks(loop).c_str(), stderr); });`
ASYNCPP_DECL std::string format_all_tasks(event_loop& loop);
ASYNCPP_DECL std::string format_all_tasks();

} // namespace asyncpp

#endif
