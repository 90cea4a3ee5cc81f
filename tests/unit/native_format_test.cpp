// The native trace format: round trip, and every class of bad input gives an error naming file,
// line and column (never a crash, never a silent skip).
#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <sstream>

#include "orrery/sim/problems.hpp"
#include "orrery/traces/trace_format.hpp"
#include "test_support.hpp"

namespace orrery::test {
namespace {

const std::string kHeader = std::string(traces::kNativeHeader) + "\n";

std::string errors_of(const std::string& path) {
  try {
    traces::import_trace(path, "native", {});
  } catch (const sim::InputError& e) {
    return e.what();
  }
  return "";
}

TEST(NativeFormat, RoundTripIsExact) {
  TempDir tmp;
  const std::string text =
      kHeader +
      "a,0,alice,research,5,2,4,A100-80,8,65536,3600.5,7200,cnn,10,3610.5,completed\n"
      "b,1.001,bob,,0,1,0.25,,0.5,0,60,,,,,failed\n"
      "\"c,1\",2,\"=cmd\",q,0,1,1,,,,0.001,,,,,\n";
  write_text(tmp / "t.csv", text);
  const auto t = traces::import_trace((tmp / "t.csv").string(), "auto", {});
  ASSERT_EQ(t.workload.jobs.size(), 3U);
  const auto& a = t.workload.jobs[0];
  EXPECT_EQ(a.tasks, 2U);
  EXPECT_EQ(a.gpu_milli, 4000U);
  EXPECT_EQ(a.duration.ms(), 3'600'500);
  EXPECT_EQ(t.workload.gpu_types[a.gpu_type], "A100-80");
  EXPECT_EQ(a.observed.status, sim::JobStatus::kCompleted);
  EXPECT_EQ(t.workload.jobs[1].gpu_milli, 250U);
  EXPECT_EQ(t.workload.jobs[1].cpu_milli, 500U);
  EXPECT_EQ(t.workload.jobs[2].id, "c,1");
  std::ostringstream out;
  traces::write_native(t.workload, out);
  write_text(tmp / "u.csv", out.str());
  const auto u = traces::import_trace((tmp / "u.csv").string(), "native", {});
  std::ostringstream again;
  traces::write_native(u.workload, again);
  EXPECT_EQ(out.str(), again.str());
  EXPECT_NE(out.str().find("'=cmd"), std::string::npos) << "formula-looking text is neutralised";
}

TEST(NativeFormat, ReadsGzipAndZstdTransparently) {
  TempDir tmp;
  const std::string text = kHeader + "a,0,,,0,1,1,,,,10,,,,,\nb,5,,,0,1,2,,,,20,,,,,\n";
  gzFile gz = gzopen((tmp / "t.csv.gz").c_str(), "wb");
  gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
  gzclose(gz);
  std::string z(ZSTD_compressBound(text.size()), '\0');
  z.resize(ZSTD_compress(z.data(), z.size(), text.data(), text.size(), 3));
  write_text(tmp / "t.csv.zst", z);
  EXPECT_EQ(traces::import_trace((tmp / "t.csv.gz").string(), "auto", {}).workload.jobs.size(), 2U);
  EXPECT_EQ(traces::import_trace((tmp / "t.csv.zst").string(), "auto", {}).workload.jobs.size(),
            2U);
  // Truncated compressed streams are errors, not short traces.
  write_text(tmp / "cut.zst", z.substr(0, z.size() - 4));
  EXPECT_NE(errors_of((tmp / "cut.zst").string()).find("truncated zstd"), std::string::npos);
  const std::string gzbytes = read_text(tmp / "t.csv.gz");
  write_text(tmp / "cut.gz", gzbytes.substr(0, gzbytes.size() / 2));
  EXPECT_NE(errors_of((tmp / "cut.gz").string()).find("gzip"), std::string::npos);
  std::string corrupt = gzbytes;
  corrupt[corrupt.size() / 2] = static_cast<char>(corrupt[corrupt.size() / 2] ^ 0x5a);
  write_text(tmp / "bad.gz", corrupt);
  EXPECT_FALSE(errors_of((tmp / "bad.gz").string()).empty());
}

TEST(NativeFormat, CrlfAndByteOrderMarkAreAccepted) {
  TempDir tmp;
  write_text(tmp / "t.csv", "\xEF\xBB\xBF" + std::string(traces::kNativeHeader) +
                                "\r\na,0,,,0,1,1,,,,10,,,,,\r\n");
  const auto t = traces::import_trace((tmp / "t.csv").string(), "auto", {});
  ASSERT_EQ(t.workload.jobs.size(), 1U);
  EXPECT_EQ(t.workload.jobs[0].duration.ms(), 10'000);
}

struct BadRow {
  const char* name;
  std::string row;
  std::string expected;  // substring of the error
};

class NativeBadInput : public ::testing::TestWithParam<BadRow> {};

TEST_P(NativeBadInput, NamesFileLineAndColumn) {
  TempDir tmp;
  write_text(tmp / "t.csv", kHeader + "ok,0,,,0,1,1,,,,10,,,,,\n" + GetParam().row + "\n");
  const std::string err = errors_of((tmp / "t.csv").string());
  EXPECT_NE(err.find("t.csv:3"), std::string::npos) << err;
  EXPECT_NE(err.find(GetParam().expected), std::string::npos) << err;
}

INSTANTIATE_TEST_SUITE_P(
    Table, NativeBadInput,
    ::testing::Values(
        BadRow{"non_numeric", "b,zero,,,0,1,1,,,,10,,,,,",
               "column 'submit_s': \"zero\" is not a number"},
        BadRow{"negative_gpus", "b,0,,,0,1,-2,,,,10,,,,,", "column 'gpus_per_task': must be >= 0"},
        BadRow{"nan", "b,0,,,0,1,1,,,,nan,,,,,",
               "column 'duration_s': \"nan\" is not a finite number"},
        BadRow{"infinity", "b,0,,,0,1,1,,,,inf,,,,,", "is not a finite number"},
        BadRow{"overflow", "b,1e400,,,0,1,1,,,,10,,,,,", "out of range"},
        BadRow{"too_many_seconds", "b,1e13,,,0,1,1,,,,10,,,,,", "must be <= 1e12"},
        BadRow{"zero_tasks", "b,0,,,0,0,1,,,,10,,,,,", "column 'tasks': must be in [1"},
        BadRow{"fractional_multi_gpu", "b,0,,,0,1,1.5,,,,10,,,,,", "whole GPUs"},
        BadRow{"wrong_column_count", "b,0,,,0,1,1,,,,10", "expected 16 columns, found 11"},
        BadRow{"duplicate_id", "ok,0,,,0,1,1,,,,10,,,,,", "duplicate job id \"ok\""},
        BadRow{"end_before_start", "b,0,,,0,1,1,,,,10,,,20,10,", "ends before observed_start_s"},
        BadRow{"start_before_submit", "b,50,,,0,1,1,,,,10,,,20,30,", "starts before submit_s"},
        BadRow{"unknown_status", "b,0,,,0,1,1,,,,10,,,,,done", "is not a status"},
        BadRow{"unterminated_quote", "\"b,0,,,0,1,1,,,,10,,,,,", "unterminated quoted field"},
        BadRow{"empty_id", ",0,,,0,1,1,,,,10,,,,,", "column 'job_id': must not be empty"}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(NativeFormat, EveryProblemIsReportedAtOnce) {
  TempDir tmp;
  write_text(tmp / "t.csv",
             kHeader + "a,x,,,0,1,1,,,,10,,,,,\nb,0,,,0,1,-1,,,,10,,,,,\nc,0,,,0,1,1,,,,y,,,,,\n");
  try {
    traces::import_trace((tmp / "t.csv").string(), "native", {});
    FAIL() << "expected an error";
  } catch (const sim::InputError& e) {
    EXPECT_EQ(e.problems().size(), 3U) << e.what();
  }
}

TEST(NativeFormat, HeaderProblems) {
  TempDir tmp;
  write_text(tmp / "a.csv", "job_id,submit_s,gpus_per_task,duration_s,colour\n");
  EXPECT_NE(errors_of((tmp / "a.csv").string()).find("unknown column \"colour\""),
            std::string::npos);
  write_text(tmp / "b.csv", "job_id,submit_s\n");
  EXPECT_NE(errors_of((tmp / "b.csv").string()).find("missing required column 'duration_s'"),
            std::string::npos);
  write_text(tmp / "c.csv", "");
  EXPECT_NE(errors_of((tmp / "c.csv").string()).find("empty file"), std::string::npos);
  EXPECT_NE(errors_of((tmp / "missing.csv").string()).find("cannot open"), std::string::npos);
}

TEST(NativeFormat, AnOverlongLineIsAnErrorNotAnAllocationSpree) {
  TempDir tmp;
  std::string line(20u << 20, 'x');  // 20 MiB, above the 16 MiB line limit
  write_text(tmp / "t.csv", kHeader + line + "\n");
  EXPECT_NE(errors_of((tmp / "t.csv").string()).find("line longer than"), std::string::npos);
}

TEST(NativeFormat, AutoDetectFailsWithAHint) {
  TempDir tmp;
  write_text(tmp / "t.csv", "foo,bar\n1,2\n");
  try {
    traces::import_trace((tmp / "t.csv").string(), "auto", {});
    FAIL();
  } catch (const sim::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("give --format"), std::string::npos);
  }
}

}  // namespace
}  // namespace orrery::test
