// Helpers for the report tests: the example scenario simulated once per test run, run folders
// written by hand, a Qt application for rendering, and pixel counting on rendered pages.
#pragma once

#include <gtest/gtest.h>

#include <QColor>
#include <QImage>
#include <QRect>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "orrery/reports/render.hpp"
#include "test_support.hpp"

namespace orrery::test {

// Keeps a folder until the test program exits.
class ScopedFolder {
 public:
  explicit ScopedFolder(std::filesystem::path p) : path_(std::move(p)) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScopedFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// `orrery simulate examples/scenario.json`, run once from the source folder (so the manifest
// records the same relative input paths on every machine). Empty when it failed.
inline const std::filesystem::path& example_output() {
  static ScopedFolder folder(std::filesystem::temp_directory_path() /
                             ("orrery-report-example-" + std::to_string(::getpid())));
  static const std::filesystem::path out = [] {
    const std::filesystem::path dir = folder.path() / "out";
    const auto r = run_command("cd '" + source_dir().string() + "' && '" + cli() +
                               "' simulate examples/scenario.json -q -o '" + dir.string() + "'");
    if (r.exit_code != 0) {
      ADD_FAILURE() << "simulate failed:\n" << r.output;
      return std::filesystem::path();
    }
    return dir;
  }();
  return out;
}

// A QApplication for the whole test program (never destroyed: Qt dislikes static teardown).
inline void ensure_qt() {
  static std::unique_ptr<QApplication> app = reports::ensure_application();
  (void)app;
}

// One hand-made policy folder as `orrery simulate` writes it.
inline void write_run_folder(const std::filesystem::path& dir, const nlohmann::json& summary,
                             const std::string& jobs_csv, const std::string& timeseries_csv,
                             const nlohmann::json& manifest = nullptr) {
  std::filesystem::create_directories(dir);
  write_text(dir / "summary.json", summary.dump(2));
  if (!jobs_csv.empty()) write_text(dir / "jobs.csv", jobs_csv);
  if (!timeseries_csv.empty()) write_text(dir / "timeseries.csv", timeseries_csv);
  if (!manifest.is_null()) write_text(dir / "manifest.json", manifest.dump(2));
}

inline nlohmann::json quantiles_json(double mean, double p50, double p95, double p99, double max) {
  return {{"mean", mean}, {"p50", p50}, {"p95", p95}, {"p99", p99}, {"max", max}};
}

// A plausible summary.json with the given headline numbers.
inline nlohmann::json summary_for(const std::string& policy, double mean_jct, double p95_wait,
                                  double utilization, double preemptions = 0) {
  return {{"policy", policy},
          {"placement", "pack"},
          {"jobs", 4},
          {"completed", 4},
          {"failed", 0},
          {"rejected", 0},
          {"unfinished", 0},
          {"jct_s", quantiles_json(mean_jct, mean_jct, mean_jct * 2, mean_jct * 3, mean_jct * 3)},
          {"wait_s", quantiles_json(p95_wait / 2, 0, p95_wait, p95_wait, p95_wait)},
          {"makespan_s", 7200},
          {"gpu_utilization", utilization},
          {"gpu_hours_allocated", 10},
          {"preemptions", preemptions},
          {"fingerprint", "0123456789abcdef"},
          {"cancelled", false}};
}

inline bool is_white(QRgb c) {
  return qRed(c) > 240 && qGreen(c) > 240 && qBlue(c) > 240;
}
// Saturated, not grey: chart series (axes, grid and text are grey or near black).
inline bool is_colored(QRgb c) {
  const QColor q = QColor::fromRgb(c);
  return q.hsvSaturation() > 90 && q.value() > 60;
}

struct PixelCount {
  long non_white = 0;
  long colored = 0;
  long total = 0;
};

inline PixelCount count_pixels(const QImage& image, QRect area) {
  PixelCount n;
  area = area.intersected(image.rect());
  const QImage img = image.convertToFormat(QImage::Format_RGB32);
  for (int y = area.top(); y <= area.bottom(); ++y) {
    for (int x = area.left(); x <= area.right(); ++x) {
      const QRgb c = img.pixel(x, y);
      ++n.total;
      if (!is_white(c)) ++n.non_white;
      if (is_colored(c)) ++n.colored;
    }
  }
  return n;
}

}  // namespace orrery::test
