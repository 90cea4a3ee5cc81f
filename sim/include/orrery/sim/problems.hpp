// Problems with user input, collected and reported together.
//
// Bad input is never a crash and never a silent skip: parsers and validators collect every
// Problem they find (where it is, what is wrong, in lower case, naming the offending value) and
// throw one InputError carrying all of them. The CLI prints each on its own line and exits 2.
//
//   Problems p;
//   p.add("cluster.json: pools[1].gpus_per_node", "must be >= 1, got 0");
//   p.throw_if_any();
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace orrery::sim {

struct Problem {
  std::string where;  // file:line: column, or file: json.path
  std::string what;
  std::string to_string() const { return where.empty() ? what : where + ": " + what; }
};

class InputError : public std::runtime_error {
 public:
  explicit InputError(std::vector<Problem> problems)
      : std::runtime_error(join(problems)), problems_(std::move(problems)) {}
  InputError(std::string where, std::string what)
      : InputError(std::vector<Problem>{Problem{std::move(where), std::move(what)}}) {}
  const std::vector<Problem>& problems() const { return problems_; }

 private:
  static std::string join(const std::vector<Problem>& problems) {
    std::string s;
    for (const Problem& p : problems) {
      if (!s.empty()) s += '\n';
      s += p.to_string();
    }
    return s;
  }
  std::vector<Problem> problems_;
};

class Problems {
 public:
  void add(std::string where, std::string what) {
    list_.push_back(Problem{std::move(where), std::move(what)});
  }
  bool empty() const { return list_.empty(); }
  std::size_t size() const { return list_.size(); }
  const std::vector<Problem>& list() const { return list_; }
  void throw_if_any() const {
    if (!list_.empty()) throw InputError(list_);
  }

 private:
  std::vector<Problem> list_;
};

}  // namespace orrery::sim
