// A dynamic bitset with fast "next set bit at or after i", used to index nodes by free capacity.
//
//   DynamicBitset b(100);
//   b.set(42);
//   b.find_next(0);  // 42
//   b.find_next(43); // DynamicBitset::npos
#pragma once

#include <bit>
#include <cstdint>
#include <vector>

namespace orrery::sim {

class DynamicBitset {
 public:
  static constexpr std::uint32_t npos = 0xffffffffU;
  DynamicBitset() = default;
  explicit DynamicBitset(std::uint32_t bits) : bits_(bits), words_((bits + 63) / 64, 0) {}

  std::uint32_t size() const { return bits_; }
  bool test(std::uint32_t i) const { return (words_[i >> 6] >> (i & 63)) & 1U; }
  void set(std::uint32_t i) {
    words_[i >> 6] |= std::uint64_t{1} << (i & 63);
    ++count_;
  }
  void reset(std::uint32_t i) {
    words_[i >> 6] &= ~(std::uint64_t{1} << (i & 63));
    --count_;
  }
  std::uint32_t count() const { return count_; }
  bool none() const { return count_ == 0; }

  std::uint32_t find_next(std::uint32_t from) const {
    if (from >= bits_) return npos;
    std::size_t w = from >> 6;
    std::uint64_t word = words_[w] & (~std::uint64_t{0} << (from & 63));
    while (true) {
      if (word != 0) {
        const auto bit =
            static_cast<std::uint32_t>(w * 64 + static_cast<unsigned>(std::countr_zero(word)));
        return bit < bits_ ? bit : npos;
      }
      if (++w >= words_.size()) return npos;
      word = words_[w];
    }
  }

 private:
  std::uint32_t bits_ = 0;
  std::uint32_t count_ = 0;
  std::vector<std::uint64_t> words_;
};

}  // namespace orrery::sim
