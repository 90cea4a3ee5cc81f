// `orrery trace inspect`, `trace synth`, the transform flags of `trace convert` and the export
// formats through the command line: exit codes, outputs, and errors naming their cause.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace orrery::test {
namespace {

std::string data(const std::string& name) {
  return (source_dir() / "tests" / "traces" / "data" / name).string();
}

TEST(CliTrace, FormatsListTheExportFormats) {
  const auto r = run_command(cli() + " trace formats");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* n :
       {"slurm-sacct-json", "slurm-sacct", "slurm-jobcomp", "k8s-pods", "k8s-nodes"})
    EXPECT_NE(r.output.find(n), std::string::npos) << n;
}

TEST(CliTrace, InspectJsonOfASlurmExport) {
  const auto r = run_command(cli() + " trace inspect " + data("slurm_sacct.json") +
                             " --format slurm-sacct-json --json 2>/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["jobs"], 10);
  EXPECT_EQ(j["import"]["rows"], 15);
  EXPECT_EQ(j["import"]["dropped"]["running at export (no end time)"], 1);
  EXPECT_EQ(j["failed_share"], 0.1);   // FAILED
  EXPECT_EQ(j["timeout_share"], 0.1);  // TIMEOUT, killed at its limit
}

TEST(CliTrace, InspectTextAgainstClusters) {
  auto r = run_command(cli() + " trace inspect " + data("slurm_sacct_p.txt") + " --cluster " +
                       (source_dir() / "examples" / "cluster.json").string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("as slurm-sacct: 5 jobs"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("dropped 4: job step (not a job)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("cluster example-64: 64 GPUs"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("GPU types the cluster lacks: a100 (1 jobs) v100 (1 jobs)"),
            std::string::npos)
      << r.output;
  r = run_command(cli() + " trace inspect " + data("k8s_pods.json") +
                  " --format k8s-pods --cluster " + data("k8s_nodes.json") +
                  " --cluster-format k8s-nodes");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(": 30 GPUs"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("jobs that can never fit: 0"), std::string::npos) << r.output;
}

TEST(CliTrace, InspectBadInputIsExitTwoNamingTheProblem) {
  auto r = run_command(cli() + " trace inspect " + data("slurm_sacct.json"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("give --format"), std::string::npos) << r.output;
  r = run_command(cli() + " trace inspect " + data("slurm_sacct.json") +
                  " --format slurm-sacct-json --strict");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("(--strict)"), std::string::npos) << r.output;
  r = run_command(cli() + " trace inspect " + data("k8s_pods.json") + " --format k8s-pods" +
                  " --cluster " + data("k8s_pods.json") + " --cluster-format k8s-nodes");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("must be \"Node\""), std::string::npos) << r.output;
}

TEST(CliTrace, ConvertAppliesTransformFlags) {
  TempDir tmp;
  const std::string out = (tmp / "out.csv").string();
  auto r = run_command(cli() + " trace convert " + data("slurm_jobcomp.log") + " -o " + out +
                       " --gpus 1:8 --status completed,failed,timeout");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // 4002 failed, 4011 and 4040 completed, 4031 TIMEOUT; 4001 has 16 GPUs, 4020 none.
  EXPECT_NE(r.output.find("filter gpus=[1, 8] status=completed,failed,timeout: 6 -> 4 jobs"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("dropped 1 rows: cancelled before it started"), std::string::npos)
      << r.output;
  r = run_command(cli() + " trace convert " + data("slurm_jobcomp.log") + " -o " + out +
                  " --sample-jobs 2 --seed 5 --duration-scale 0.5 --arrival-scale 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string csv = read_text(out);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);  // header + 2 jobs
  r = run_command(cli() + " trace convert " + data("slurm_jobcomp.log") + " -o " + out +
                  " --window 10:5");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--window"), std::string::npos) << r.output;
  r = run_command(cli() + " trace convert " + data("slurm_jobcomp.log") + " -o " + out +
                  " --load-scale 0");
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

TEST(CliTrace, SynthIsDeterministicAndReportsKs) {
  TempDir tmp;
  const std::string fit = (source_dir() / "examples" / "small-trace.csv").string();
  const std::string a = (tmp / "a.csv").string(), b = (tmp / "b.csv").string();
  auto r = run_command(cli() + " trace synth --fit " + fit + " -n 3000 --seed 4 -o " + a);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("KS distance, generated vs fitted: gpu_count"), std::string::npos)
      << r.output;
  r = run_command(cli() + " trace synth --fit " + fit + " -n 3000 --seed 4 -o " + b + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["generated_jobs"], 3000);
  EXPECT_LE(j["ks"]["gpu_count"].get<double>(), 0.05);
  EXPECT_EQ(read_text(a), read_text(b));
  r = run_command(cli() + " trace inspect " + a);  // the output is native, auto-detected
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("jobs: 3000"), std::string::npos) << r.output;
  r = run_command(cli() + " trace synth --fit " + fit + " -n 10 -o -");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("job_id,submit_s"), std::string::npos) << r.output;
  r = run_command(cli() + " trace synth --fit " + data("slurm_sacct.json") + " -n 10 -o " + a);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = run_command(cli() + " trace synth --fit " + fit + " -o " + a);
  EXPECT_EQ(r.exit_code, 2) << r.output;  // -n is required
}

}  // namespace
}  // namespace orrery::test
