// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// Call graphs, the task table and debug mode's slow-step report: everything that turns
// what the waits recorded into text. Nothing here runs unless somebody asks.

#include <asyncpp/introspect.hpp>

#include <asyncpp/detail/task_state.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string_view>

namespace asyncpp {

namespace detail {

std::string format_where(const std::source_location& where)
{
  std::string_view file = where.file_name() ? where.file_name() : "";
  if (file.empty())
    return "unknown location";
  // The last path component keeps tables readable; frame_info keeps the whole path.
  if (const auto slash = file.rfind('/'); slash != std::string_view::npos)
    file.remove_prefix(slash + 1);
  return std::string(file) + ":" + std::to_string(where.line());
}

std::string format_seconds(double seconds)
{
  std::ostringstream out;
  out << seconds << 's';
  return out.str();
}

std::string format_what(const wait_frame& frame)
{
  // Appended piece by piece: g++ 12 at -O3 mistakes "(" + std::string for an overlapping
  // copy (-Wrestrict, GCC bug 105651).
  std::string out = frame.what ? frame.what : "";
  std::string detail;
  switch (frame.kind) {
  case wait_frame::kind_type::plain:
    return out;
  case wait_frame::kind_type::seconds:
    detail = format_seconds(frame.amount);
    break;
  case wait_frame::kind_type::count:
    detail = std::to_string(static_cast<std::size_t>(frame.amount));
    break;
  case wait_frame::kind_type::task:
    detail = static_cast<const task_state_base*>(frame.subject())->name(); // every loop_task is one
    break;
  case wait_frame::kind_type::branches:
    detail = frame.branches()->detail();
    break;
  }
  out += '(';
  out += detail;
  out += ')';
  return out;
}

namespace {

/// "what at file:line", or just `what` when the location is unknown (an Asio operation).
std::string wait_text(const std::string& what, const std::source_location& where)
{
  return where.file_name()[0] ? what + " at " + format_where(where) : what;
}

} // namespace

void loop_core::report_slow_step(const loop_task* task, const wait_frame& resumed_from,
                                 std::chrono::steady_clock::duration took) noexcept
{
  if (!loop_)
    return;
  try {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.3f", std::chrono::duration<double>(took).count());
    exception_context context;
    if (const auto* state = static_cast<const task_state_base*>(task)) { // every loop_task is one
      context.task_name = state->name();
      context.message = "Executing task '" + context.task_name + "' took " + seconds + " seconds (";
      if (resumed_from.what)
        context.message += "resumed from " + wait_text(format_what(resumed_from), resumed_from.where);
      else
        context.message += "a step of its coroutine; created at " + format_where(state->created_at());
      context.message += ")";
    } else {
      context.message = std::string("Executing a callback took ") + seconds + " seconds";
    }
    loop_->call_exception_handler(context);
  } catch (...) { // no memory for the message
    std::fputs("asyncpp: a step ran longer than slow_callback_duration (no memory to say more)\n", stderr);
  }
}

namespace {

task_state_base& state_of(const task_handle& t)
{
  return *checked_state(task_access::handle_state(t));
}

/// What the table calls a task's state.
std::string state_name(const task_state_base& s)
{
  std::string name = s.done() ? "done" : !s.started() ? "pending" : &s == current_task_state() ? "running" : "waiting";
  if (s.cancelling())
    name += " (cancelling)";
  return name;
}

/// Where a task is suspended now: its asyncpp wait, or "Asio operation" for a coroutine
/// suspended with nothing recorded; nothing before its first step, while it runs, or done.
std::vector<frame_info> suspended_in(const task_state_base& s)
{
  std::vector<frame_info> frames;
  // A task whose loop closed under it is pending forever, its frames gone.
  if (s.done() || !s.started() || !s.loop() || &s == current_task_state())
    return frames;
  if (const wait_frame* f = s.waits().current())
    frames.push_back({format_what(*f), f->where});
  else
    frames.push_back({"Asio operation", {}});
  return frames;
}

/// The tasks that wait for `s` (each once), in the order they came.
std::vector<task_state_base*> awaiters_of(const task_state_base& s)
{
  std::vector<task_state_base*> out;
  s.waiters().for_each([&](const done_waiter& w) {
    auto* awaiting = static_cast<task_state_base*>(w.awaiting_task()); // every loop_task is one
    if (awaiting && std::find(out.begin(), out.end(), awaiting) == out.end())
      out.push_back(awaiting);
  });
  return out;
}

call_graph capture(task_state_base& s, std::vector<const task_state_base*>& path)
{
  call_graph g;
  g.task = task_handle(&s);
  g.waiting_on = suspended_in(s);
  path.push_back(&s);
  for (task_state_base* awaiting : awaiters_of(s))
    if (std::find(path.begin(), path.end(), awaiting) == path.end()) // a cycle is shown once
      g.awaited_by.push_back(capture(*awaiting, path));
  path.pop_back();
  return g;
}

std::string task_title(const task_state_base& s)
{
  return "'" + s.name() + "' (#" + std::to_string(s.number()) + ")";
}

void format_graph(const call_graph& g, const std::string& indent, std::string& out)
{
  const task_state_base& s = state_of(g.task);
  out += indent + "* task " + task_title(s) + ", " + state_name(s) + ", created at " + format_where(s.created_at()) +
         "\n";
  if (!g.waiting_on.empty()) {
    out += indent + "  + waiting on:\n";
    for (const frame_info& f : g.waiting_on)
      out += indent + "  |   " + wait_text(f.what, f.where) + "\n";
  }
  if (!g.awaited_by.empty()) {
    out += indent + "  + awaited by:\n";
    for (const call_graph& by : g.awaited_by)
      format_graph(by, indent + "    ", out);
  }
}

/// The innermost wait of `frames` for the task table and tree ("" for none).
std::string wait_text(const std::vector<frame_info>& frames)
{
  return frames.empty() ? std::string() : wait_text(frames.front().what, frames.front().where);
}

/// The children of a gather that run inside `s` (awaitables, not tasks), with their waits.
std::vector<std::string> branch_lines(const task_state_base& s)
{
  std::vector<std::string> lines;
  const wait_frame* f = s.waits().current();
  if (s.done() || !s.loop() || !f || !f->branches())
    return lines;
  for (std::size_t i = 0; i < f->branches()->branch_count(); ++i)
    if (const wait_record* child = f->branches()->branch(i)) {
      const wait_frame* c = child->current();
      lines.push_back("gather child " + std::to_string(i + 1) + ": " +
                      (c ? wait_text(format_what(*c), c->where) : std::string("Asio operation")));
    }
  return lines;
}

void format_tree(task_state_base& s, const std::map<const task_state_base*, std::vector<task_state_base*>>& awaited,
                 const std::string& prefix, bool last, bool root, std::vector<const task_state_base*>& shown,
                 std::string& out)
{
  const std::string branch = root ? "" : last ? "└── " : "├── ";
  const std::string below = root ? "" : last ? "    " : "│   ";
  const std::string waiting = wait_text(suspended_in(s));
  out += prefix + branch + task_title(s) + " " + state_name(s) + (waiting.empty() ? "" : ": " + waiting) + "\n";
  const bool first_time = std::find(shown.begin(), shown.end(), &s) == shown.end();
  shown.push_back(&s);
  std::vector<task_state_base*> children;
  if (first_time)
    if (auto it = awaited.find(&s); it != awaited.end())
      children = it->second;
  const std::vector<std::string> inside = branch_lines(s);
  const std::size_t count = inside.size() + children.size();
  std::size_t i = 0;
  for (const std::string& line : inside)
    out += prefix + below + (++i == count ? "└── " : "├── ") + line + "\n";
  for (task_state_base* child : children)
    format_tree(*child, awaited, prefix + below, ++i == count, false, shown, out);
}

/// Pads `text` to `width` columns, counting UTF-8 code points (names may use any).
std::string padded(const std::string& text, std::size_t width)
{
  std::size_t columns = 0;
  for (unsigned char c : text)
    columns += (c & 0xC0) != 0x80;
  return text + std::string(width > columns ? width - columns : 0, ' ');
}

} // namespace

} // namespace detail

call_graph capture_call_graph(const task_handle& t)
{
  std::vector<const detail::task_state_base*> path;
  return detail::capture(detail::state_of(t), path);
}

call_graph capture_call_graph()
{
  const auto t = current_task();
  if (!t)
    throw std::runtime_error("asyncpp::capture_call_graph(): no task is running on this thread");
  return capture_call_graph(*t);
}

namespace {

std::string formatted(const call_graph& g)
{
  std::string out;
  detail::format_graph(g, "", out);
  return out;
}

} // namespace

std::string format_call_graph(const task_handle& t)
{
  return formatted(capture_call_graph(t));
}

std::string format_call_graph()
{
  return formatted(capture_call_graph());
}

void print_call_graph(const task_handle& t)
{
  std::fputs(format_call_graph(t).c_str(), stderr);
}

void print_call_graph()
{
  std::fputs(format_call_graph().c_str(), stderr);
}

std::string format_all_tasks(event_loop& loop)
{
  using detail::task_state_base;
  const std::vector<task_handle> tasks = all_tasks(loop);
  struct row {
    std::string id, name, state, waiting, created;
  };
  std::vector<row> rows{{"id", "name", "state", "waiting on", "created at"}};
  std::map<const task_state_base*, std::vector<task_state_base*>> awaited; // awaiter -> the tasks it awaits
  std::vector<task_state_base*> states;
  std::vector<task_state_base*> roots; // tasks no unfinished task awaits
  for (const task_handle& t : tasks) {
    task_state_base& s = detail::state_of(t);
    states.push_back(&s);
    rows.push_back({std::to_string(s.number()), s.name(), detail::state_name(s),
                    detail::wait_text(detail::suspended_in(s)), detail::format_where(s.created_at())});
    bool awaited_by_unfinished = false;
    for (task_state_base* by : detail::awaiters_of(s)) {
      awaited[by].push_back(&s);
      awaited_by_unfinished = awaited_by_unfinished || !by->done();
    }
    if (!awaited_by_unfinished)
      roots.push_back(&s);
  }
  std::size_t widths[4] = {};
  for (const row& r : rows) {
    widths[0] = std::max(widths[0], r.id.size());
    widths[1] = std::max(widths[1], r.name.size());
    widths[2] = std::max(widths[2], r.state.size());
    widths[3] = std::max(widths[3], r.waiting.size());
  }
  std::string out = std::to_string(tasks.size()) + " unfinished task(s)\n";
  for (const row& r : rows)
    out += std::string(widths[0] - r.id.size(), ' ') + r.id + "  " + detail::padded(r.name, widths[1]) + "  " +
           detail::padded(r.state, widths[2]) + "  " + detail::padded(r.waiting, widths[3]) + "  " + r.created + "\n";
  out += "\nwho awaits whom:\n";
  std::vector<const task_state_base*> shown;
  for (task_state_base* s : roots)
    detail::format_tree(*s, awaited, "", true, true, shown, out);
  for (task_state_base* s : states) // what only a cycle reaches
    if (std::find(shown.begin(), shown.end(), s) == shown.end())
      detail::format_tree(*s, awaited, "", true, true, shown, out);
  return out;
}

std::string format_all_tasks()
{
  return format_all_tasks(get_running_loop());
}

} // namespace asyncpp
