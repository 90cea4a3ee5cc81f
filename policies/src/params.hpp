// Helpers for policies to read their typed parameters from the scenario's JSON object.
#pragma once

#include <algorithm>
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

  std::int64_t integer(const std::string& key, std::int64_t fallback, std::int64_t min,
                       std::int64_t max) {
    const double x = number(key, static_cast<double>(fallback), static_cast<double>(min),
                            static_cast<double>(max));
    if (x != static_cast<double>(static_cast<std::int64_t>(x))) {
      problems_.add(where(key), "must be a whole number, got " + params_.at(key).dump());
      return fallback;
    }
    return static_cast<std::int64_t>(x);
  }

  bool boolean(const std::string& key, bool fallback) {
    seen_.push_back(key);
    if (!params_.is_object() || !params_.contains(key)) return fallback;
    const auto& v = params_.at(key);
    if (!v.is_boolean()) {
      problems_.add(where(key), "must be true or false, got " + v.dump());
      return fallback;
    }
    return v.get<bool>();
  }

  // A string that must be one of `allowed` (when allowed is not empty).
  std::string string(const std::string& key, const std::string& fallback,
                     const std::vector<std::string>& allowed = {}) {
    seen_.push_back(key);
    if (!params_.is_object() || !params_.contains(key)) return fallback;
    const auto& v = params_.at(key);
    if (!v.is_string()) {
      problems_.add(where(key), "must be a string, got " + v.dump());
      return fallback;
    }
    const std::string x = v.get<std::string>();
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), x) == allowed.end()) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      problems_.add(where(key), "must be one of " + list + ", got \"" + x + "\"");
      return fallback;
    }
    return x;
  }

  // A list of numbers (e.g. Tiresias' queue thresholds), each in [min, max].
  std::vector<double> numbers(const std::string& key, const std::vector<double>& fallback,
                              double min, double max) {
    seen_.push_back(key);
    if (!params_.is_object() || !params_.contains(key)) return fallback;
    const auto& v = params_.at(key);
    if (!v.is_array()) {
      problems_.add(where(key), "must be an array of numbers, got " + v.dump());
      return fallback;
    }
    std::vector<double> out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_number() || !(v[i].get<double>() >= min && v[i].get<double>() <= max)) {
        problems_.add(
            where(key) + "[" + std::to_string(i) + "]",
            "must be a number in [" + fmt(min) + ", " + fmt(max) + "], got " + v[i].dump());
        return fallback;
      }
      out.push_back(v[i].get<double>());
    }
    return out;
  }

  // Raw JSON for structured parameters (queues, quotas); the caller validates it and reports
  // problems through problem().
  const nlohmann::json* raw(const std::string& key) {
    seen_.push_back(key);
    if (!params_.is_object() || !params_.contains(key)) return nullptr;
    return &params_.at(key);
  }
  // Records a problem at params.<path>.
  void problem(const std::string& path, const std::string& what) {
    problems_.add(where(path), what);
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
