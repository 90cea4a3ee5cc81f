// Helpers for policies to read their typed parameters from the scenario's JSON object.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "orrery/sim/problems.hpp"

namespace orrery::policies {

// Reads a policy's parameter object; collects problems (unknown keys, wrong types, ranges).
class ParamReader {
 public:
  ParamReader(std::string policy, const nlohmann::json& params)
      : policy_(std::move(policy)), params_(params) {
    if (!params_.is_null() && !params_.is_object()) {
      problems_.add(where(""), "parameters must be a JSON object");
    }
  }

  double number(const std::string& key, double fallback, double min, double max) {
    seen_.push_back(key);
    if (!params_.is_object() || !params_.contains(key)) return fallback;
    const auto& v = params_.at(key);
    if (!v.is_number()) {
      problems_.add(where(key), "must be a number, got " + v.dump());
      return fallback;
    }
    const double x = v.get<double>();
    if (!(x >= min && x <= max)) {
      problems_.add(where(key), "must be in [" + fmt(min) + ", " + fmt(max) + "], got " + v.dump());
      return fallback;
    }
    return x;
  }

  // Call last: rejects keys nobody asked for, and throws InputError if anything was wrong.
  void finish() {
    if (params_.is_object()) {
      for (const auto& [key, value] : params_.items()) {
        if (std::find(seen_.begin(), seen_.end(), key) == seen_.end()) {
          std::string known;
          for (const auto& k : seen_) known += (known.empty() ? "" : ", ") + k;
          problems_.add(where(key),
                        "unknown parameter for policy '" + policy_ + "'" +
                            (known.empty() ? " (it takes none)" : " (known: " + known + ")"));
        }
      }
    }
    problems_.throw_if_any();
  }

 private:
  std::string where(const std::string& key) const {
    return "policy '" + policy_ + "'" + (key.empty() ? "" : " params." + key);
  }
  static std::string fmt(double x) {
    std::string s = std::to_string(x);
    while (s.size() > 1 && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }
  std::string policy_;
  const nlohmann::json& params_;
  std::vector<std::string> seen_;
  sim::Problems problems_;
};

}  // namespace orrery::policies
