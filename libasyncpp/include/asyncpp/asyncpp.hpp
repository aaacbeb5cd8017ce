// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_ASYNCPP_HPP
#define ASYNCPP_ASYNCPP_HPP

#include <asyncpp/config.hpp>
#include <asyncpp/errors.hpp>
#include <asyncpp/event_loop.hpp>
#include <asyncpp/executor.hpp>
#include <asyncpp/gather.hpp>
#include <asyncpp/introspect.hpp>
#include <asyncpp/queue.hpp>
#include <asyncpp/run.hpp>
#include <asyncpp/sleep.hpp>
#include <asyncpp/streams.hpp>
#include <asyncpp/subprocess.hpp>
#include <asyncpp/sync.hpp>
#include <asyncpp/task.hpp>
#include <asyncpp/task_group.hpp>
#include <asyncpp/threadsafe.hpp>
#include <asyncpp/wait.hpp>

#endif
