#include "tfx_core/serving/flags.h"

#include <cerrno>
#include <cstdlib>
#include <limits>
#include <sstream>

namespace tfx_core::serving {
namespace {

template <typename Int>
bool ParseInt(const std::string& text, Int* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || v < std::numeric_limits<Int>::min() ||
      v > std::numeric_limits<Int>::max()) {
    return false;
  }
  *out = static_cast<Int>(v);
  return true;
}

Status SetValue(const Flag& flag, const std::string& text, bool has_value) {
  auto bad = [&](const char* expected) {
    return InvalidArgument("flag --", flag.name, ": expected ", expected, ", got '", text, "'");
  };
  if (auto* b = std::get_if<bool*>(&flag.value)) {
    if (!has_value || text == "true" || text == "1") {
      **b = true;
    } else if (text == "false" || text == "0") {
      **b = false;
    } else {
      return bad("true or false");
    }
    return Status::OK();
  }
  if (!has_value) return InvalidArgument("flag --", flag.name, " needs a value: --", flag.name, "=...");
  if (auto* i = std::get_if<int32_t*>(&flag.value)) {
    return ParseInt(text, *i) ? Status::OK() : bad("a 32-bit integer");
  }
  if (auto* i = std::get_if<int64_t*>(&flag.value)) {
    return ParseInt(text, *i) ? Status::OK() : bad("an integer");
  }
  if (auto* f = std::get_if<float*>(&flag.value)) {
    char* end = nullptr;
    const float v = std::strtof(text.c_str(), &end);
    if (text.empty() || *end != '\0') return bad("a number");
    **f = v;
    return Status::OK();
  }
  *std::get<std::string*>(flag.value) = text;
  return Status::OK();
}

std::string Current(const Flag& flag) {
  std::ostringstream out;
  std::visit([&](auto* v) {
    using T = std::decay_t<decltype(*v)>;
    if constexpr (std::is_same_v<T, bool>) {
      out << (*v ? "true" : "false");
    } else if constexpr (std::is_same_v<T, std::string>) {
      out << '"' << *v << '"';
    } else {
      out << *v;
    }
  }, flag.value);
  return out.str();
}

}  // namespace

Status ParseFlags(int argc, char** argv, const std::vector<Flag>& flags, bool* help) {
  *help = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "--helpfull") {
      *help = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      return InvalidArgument("unexpected argument '", arg, "': flags look like --name=value");
    }
    arg = arg.substr(2);
    const size_t eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    const bool has_value = eq != std::string::npos;
    const std::string value = has_value ? arg.substr(eq + 1) : "";
    const Flag* found = nullptr;
    for (const Flag& flag : flags) {
      if (flag.name == name) found = &flag;
    }
    if (found == nullptr) {
      return InvalidArgument("unknown flag --", name, " (see --help)");
    }
    Status status = SetValue(*found, value, has_value);
    if (!status.ok()) return status;
  }
  return Status::OK();
}

std::string FlagUsage(const std::string& program, const std::string& summary,
                      const std::vector<Flag>& flags) {
  std::ostringstream out;
  out << "usage: " << program << " [flags]\n" << summary << "\n\nFlags:\n";
  for (const Flag& flag : flags) {
    out << "  --" << flag.name << " (default: " << Current(flag) << ")\n      " << flag.help
        << "\n";
  }
  return out.str();
}

}  // namespace tfx_core::serving
