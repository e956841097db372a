// Command-line flags in TF Serving's style (--name=value; booleans also as --name), with --help.
#ifndef TFX_CORE_SERVING_FLAGS_H_
#define TFX_CORE_SERVING_FLAGS_H_

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "tfx_core/util/status.h"

namespace tfx_core::serving {

struct Flag {
  Flag(const char* name, int32_t* value, const char* help) : name(name), value(value), help(help) {}
  Flag(const char* name, int64_t* value, const char* help) : name(name), value(value), help(help) {}
  Flag(const char* name, float* value, const char* help) : name(name), value(value), help(help) {}
  Flag(const char* name, bool* value, const char* help) : name(name), value(value), help(help) {}
  Flag(const char* name, std::string* value, const char* help)
      : name(name), value(value), help(help) {}

  std::string name;
  std::variant<int32_t*, int64_t*, float*, bool*, std::string*> value;
  std::string help;
};

// Parses argv[1..] into the flags. An unknown flag, a positional argument or a value of the
// wrong type is an error naming the flag and what it expects.
Status ParseFlags(int argc, char** argv, const std::vector<Flag>& flags, bool* help);

// "usage: <program> [flags]" and one line per flag with its default (the current value).
std::string FlagUsage(const std::string& program, const std::string& summary,
                      const std::vector<Flag>& flags);

}  // namespace tfx_core::serving

#endif  // TFX_CORE_SERVING_FLAGS_H_
