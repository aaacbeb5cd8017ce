// Command-line parsing shared by asyncpp-demo and asyncpp-bench.
#ifndef ASYNCPP_TOOLS_COMMON_CLI_HPP
#define ASYNCPP_TOOLS_COMMON_CLI_HPP

#include <boost/program_options.hpp>

#include <string>
#include <vector>

namespace cli {

/// Parses `args` against `desc`. A stray positional argument is an error naming it: with
/// no positional options declared, Program_options would otherwise drop it silently.
/// Numeric options are read into signed types and range-checked by the caller, because
/// Program_options reads "-1" into an unsigned option as its largest value.
inline boost::program_options::parsed_options parse(const std::vector<std::string>& args,
                                                    const boost::program_options::options_description& desc)
{
  namespace po = boost::program_options;
  const char* const stray = "stray-argument";
  po::options_description all;
  all.add(desc);
  all.add_options()(stray, po::value<std::vector<std::string>>());
  po::positional_options_description positional;
  positional.add(stray, -1);
  po::parsed_options parsed = po::command_line_parser(args).options(all).positional(positional).run();
  for (const auto& option : parsed.options)
    if (option.string_key == stray)
      throw po::error("unexpected argument '" + option.value.front() + "'");
  parsed.description = &desc;
  return parsed;
}

} // namespace cli

#endif
