// The public-trace importers on the real files in ../shared/traces (skipped when absent). Every
// expected figure is one stated in that trace's SOURCE.md or checked by reading the file with awk
// (the command is in the comment where the figure is not in SOURCE.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "public_test_util.hpp"

namespace orrery::test {
namespace {

using sim::JobStatus;

std::map<JobStatus, std::uint64_t> statuses(const sim::Workload& w) {
  std::map<JobStatus, std::uint64_t> m;
  for (const auto& j : w.jobs) {
    if (j.observed.status) ++m[*j.observed.status];
  }
  return m;
}

std::int64_t max_submit_ms(const sim::Workload& w) {
  std::int64_t m = 0;
  for (const auto& j : w.jobs) m = std::max(m, j.submit.ms());
  return m;
}

double span_days(const sim::Workload& w) {
  return static_cast<double>(max_submit_ms(w)) / 86'400'000.0;
}

std::int64_t total_duration_s(const sim::Workload& w) {
  std::int64_t s = 0;
  for (const auto& j : w.jobs) s += j.duration.ms();
  return s / 1000;
}

// --- DIR-LAB cuts ------------------------------------------------------------------------------

TEST(PhillyCsv, DirlabCutMatchesSourceFigures) {
  ORRERY_REQUIRE_SHARED(path, "philly/dirlab/philly_data_training.csv");
  const auto t = traces::import_trace(path.string(), "philly-csv", {});
  EXPECT_EQ(t.report.format, "philly-csv");
  EXPECT_EQ(t.report.rows, 15000U);
  ASSERT_EQ(t.workload.jobs.size(), 15000U);
  EXPECT_TRUE(t.report.dropped.empty());
  EXPECT_TRUE(t.report.adjusted.empty()) << "multi-node jobs always divide evenly (SOURCE.md)";
  const auto s = statuses(t.workload);
  EXPECT_EQ(s.at(JobStatus::kCompleted), 8538U);  // Pass
  EXPECT_EQ(s.at(JobStatus::kFailed), 4509U);
  EXPECT_EQ(s.at(JobStatus::kKilled), 1953U);
  // Span 57.6 days: the last submit is the sum of all intervals, 4,977,039 s (awk).
  EXPECT_EQ(max_submit_ms(t.workload), 4'977'039'000);
  EXPECT_NEAR(span_days(t.workload), 57.6, 0.05);
  // awk: sum(gpu_num) = 33,265, sum(run_time) = 1,124,305,836 s.
  EXPECT_EQ(total_gpu_milli(t.workload), 33'265'000U);
  EXPECT_EQ(total_duration_s(t.workload), 1'124'305'836);
  EXPECT_EQ(t.workload.users.size() - 1, 136U);  // users 1..136
  // Row 2 of the file: 1,2,8,0,4,395146,14405,0,Failed
  const auto& j = t.workload.jobs[1];
  EXPECT_EQ(j.id, "1");
  EXPECT_EQ(t.workload.users[j.user], "2");
  EXPECT_EQ(j.tasks, 4U);
  EXPECT_EQ(j.gpu_milli, 2000U);
  EXPECT_EQ(j.cpu_milli, 0U);
  EXPECT_EQ(j.submit.ms(), 395'146'000);
  EXPECT_EQ(j.duration.ms(), 14'405'000);
  EXPECT_FALSE(j.walltime);
  EXPECT_EQ(j.observed.status, JobStatus::kFailed);
  EXPECT_FALSE(j.observed.start);
  EXPECT_EQ(t.workload.jobs[0].submit.ms(), 0) << "t = 0 is the cut's first submission";
}

TEST(PhillyCsv, AutoPicksTheGenericDirlabReader) {
  ORRERY_REQUIRE_SHARED(path, "philly/dirlab/philly_data_training.csv");
  const auto t = traces::import_trace(path.string(), "auto", {});
  EXPECT_EQ(t.report.format, "dirlab");
  EXPECT_EQ(t.workload.jobs.size(), 15000U);
}

TEST(HeliosDirlab, CutMatchesSourceFigures) {
  ORRERY_REQUIRE_SHARED(path, "helios/dirlab/helios_data_training.csv");
  const auto t = traces::import_trace(path.string(), "helios-dirlab", {});
  ASSERT_EQ(t.workload.jobs.size(), 15000U);
  EXPECT_TRUE(t.report.dropped.empty());
  EXPECT_TRUE(t.report.adjusted.empty());
  std::uint64_t cpu_only = 0, max_gpus = 0;
  for (const auto& j : t.workload.jobs) {
    if (j.gpu_milli == 0) ++cpu_only;
    max_gpus = std::max<std::uint64_t>(max_gpus, std::uint64_t{j.tasks} * j.gpu_milli / 1000);
  }
  EXPECT_EQ(cpu_only, 4204U);
  EXPECT_EQ(max_gpus, 160U);
  const auto s = statuses(t.workload);
  EXPECT_EQ(s.at(JobStatus::kCompleted), 9316U);
  EXPECT_EQ(s.at(JobStatus::kKilled), 3452U);
  EXPECT_EQ(s.at(JobStatus::kFailed), 2232U);
  EXPECT_NEAR(span_days(t.workload), 20.19, 0.005);
  // awk: sum(gpu_num) = 69,582, sum(cpu_num) = 196,945.
  EXPECT_EQ(total_gpu_milli(t.workload), 69'582'000U);
  std::uint64_t cpu = 0;
  for (const auto& j : t.workload.jobs) cpu += std::uint64_t{j.tasks} * j.cpu_milli;
  EXPECT_EQ(cpu, 196'945'000U);
  // Row 101: 99,4,1,1,1,49,4825,0,Pass; submit = sum of intervals up to it = 8,894 s (awk).
  const auto& j = t.workload.jobs[99];
  EXPECT_EQ(j.id, "99");
  EXPECT_EQ(j.submit.ms(), 8'894'000);
  EXPECT_EQ(j.duration.ms(), 4'825'000);
  EXPECT_EQ(j.cpu_milli, 1000U);
}

TEST(BlueWaters, CutMatchesSourceFigures) {
  ORRERY_REQUIRE_SHARED(path, "bluewaters/dirlab/blue_waters_data_training.csv");
  const auto t = traces::import_trace(path.string(), "bluewaters", {});
  ASSERT_EQ(t.workload.jobs.size(), 15000U);
  EXPECT_TRUE(t.report.adjusted.empty());
  std::uint64_t gpu_jobs = 0, over = 0;
  std::uint32_t widest = 0;
  for (const auto& j : t.workload.jobs) {
    if (j.gpu_milli > 0) {
      ++gpu_jobs;
      EXPECT_EQ(j.gpu_milli, 1000U) << "one K20X per XK node: gpu_num == node_num";
    }
    widest = std::max(widest, j.tasks);
    ASSERT_TRUE(j.walltime) << "every Blue Waters row has a wall_time";
    if (j.duration > *j.walltime) ++over;
  }
  EXPECT_EQ(gpu_jobs, 3403U);
  EXPECT_EQ(widest, 8646U);
  EXPECT_EQ(over, 1939U) << "run_time > wall_time is kept as is (a request, not a cap)";
  const auto s = statuses(t.workload);
  EXPECT_EQ(s.at(JobStatus::kCompleted), 10075U);
  EXPECT_EQ(s.at(JobStatus::kKilled), 4687U);
  EXPECT_EQ(s.at(JobStatus::kFailed), 238U);
  EXPECT_NEAR(span_days(t.workload), 86.5, 0.05);
  // Row 3: 1,1,0,86464,2702,403625,242,43200,Pass -> 2702 tasks of 32 cores.
  const auto& j = t.workload.jobs[1];
  EXPECT_EQ(j.tasks, 2702U);
  EXPECT_EQ(j.cpu_milli, 32000U);
  EXPECT_EQ(j.gpu_milli, 0U);
  EXPECT_EQ(j.submit.ms(), 403'625'000);
  EXPECT_EQ(j.walltime->ms(), 43'200'000);
}

// --- openb ---------------------------------------------------------------------------------------

TEST(OpenbPods, DefaultListMatchesSourceFigures) {
  ORRERY_REQUIRE_SHARED(path, "openb/csv/openb_pod_list_default.csv");
  const auto t = traces::import_trace(path.string(), "auto", {});
  EXPECT_EQ(t.report.format, "openb-pods");
  ASSERT_EQ(t.workload.jobs.size(), 8152U);
  EXPECT_TRUE(t.report.dropped.empty());
  // The 897 Pending pods have no scheduled_time: the only adjustment.
  EXPECT_EQ(total(t.report.adjusted), 897U);
  EXPECT_EQ(reason(t.report.adjusted,
                   "never scheduled (duration taken as deletion_time - creation_time)"),
            897U);
  std::map<std::uint32_t, std::uint64_t> by_milli;
  std::uint64_t fractional = 0;
  for (const auto& j : t.workload.jobs) {
    EXPECT_EQ(j.tasks, 1U);
    ++by_milli[j.gpu_milli];
    if (j.gpu_milli > 0 && j.gpu_milli < 1000) ++fractional;
  }
  EXPECT_EQ(by_milli[0], 1088U);
  EXPECT_EQ(fractional, 3078U);
  EXPECT_EQ(by_milli[1000], 3911U);
  EXPECT_EQ(by_milli[2000], 16U);
  EXPECT_EQ(by_milli[4000], 15U);
  EXPECT_EQ(by_milli[8000], 44U);
  const auto s = statuses(t.workload);
  EXPECT_EQ(s.at(JobStatus::kRunning), 5193U);
  EXPECT_EQ(s.at(JobStatus::kFailed), 1870U);
  EXPECT_EQ(s.at(JobStatus::kPending), 897U);
  EXPECT_EQ(s.at(JobStatus::kCompleted), 192U);
  std::map<std::string, std::uint64_t> qos;
  for (const auto& j : t.workload.jobs) ++qos[t.workload.job_classes[j.job_class]];
  EXPECT_EQ(qos["LS"], 4647U);
  EXPECT_EQ(qos["BE"], 3398U);
  EXPECT_EQ(qos["Burstable"], 100U);
  EXPECT_EQ(qos["Guaranteed"], 7U);
  EXPECT_EQ(max_submit_ms(t.workload), 12'901'761'000);
  // openb-pod-0001,6000,12288,1,460,,LS,Running,427061,12902960,427061
  const auto* p = find_job(t.workload, "openb-pod-0001");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->gpu_milli, 460U);
  EXPECT_EQ(p->cpu_milli, 6000U);
  EXPECT_EQ(p->memory_mib, 12288U);
  EXPECT_EQ(p->gpu_type, 0U);
  EXPECT_EQ(p->submit.ms(), 427'061'000);
  EXPECT_EQ(p->observed.start->ms(), 427'061'000);
  EXPECT_EQ(p->observed.end->ms(), 12'902'960'000);
  EXPECT_EQ(p->duration.ms(), (12'902'960 - 427'061) * 1000LL);
  // openb-pod-0061,11908,47104,1,1000,,BE,Pending,10001278,10001403, (never scheduled)
  const auto* q = find_job(t.workload, "openb-pod-0061");
  ASSERT_NE(q, nullptr);
  EXPECT_FALSE(q->observed.start);
  EXPECT_EQ(q->observed.status, JobStatus::kPending);
  EXPECT_EQ(q->duration.ms(), 125'000);
  // openb-pod-7285 is created and deleted at the same second: kept with zero duration.
  EXPECT_EQ(find_job(t.workload, "openb-pod-7285")->duration.ms(), 0);
}

TEST(OpenbPods, GpuSpecVariantKeepsTheFirstModel) {
  ORRERY_REQUIRE_SHARED(path, "openb/csv/openb_pod_list_gpuspec33.csv");
  const auto t = traces::import_trace(path.string(), "openb-pods", {});
  ASSERT_EQ(t.workload.jobs.size(), 8152U);
  std::uint64_t typed = 0;
  for (const auto& j : t.workload.jobs) typed += j.gpu_type != 0 ? 1 : 0;
  // awk: 2,388 pods with a gpu_spec, 378 of them with several models.
  EXPECT_EQ(typed, 2388U);
  EXPECT_EQ(reason(t.report.adjusted, "gpu_spec lists several GPU models (first kept)"), 378U);
  EXPECT_TRUE(t.workload.gpu_types.find("T4").has_value());
  EXPECT_FALSE(t.workload.gpu_types.find("V100M16|V100M32").has_value());
}

TEST(OpenbPods, FiveColumnVariantArrivesInFileOrder) {
  ORRERY_REQUIRE_SHARED(path, "openb/csv/openb_pod_list_multigpu20.csv");
  const auto t = traces::import_trace(path.string(), "auto", {});
  EXPECT_EQ(t.report.format, "openb-pods");
  ASSERT_EQ(t.workload.jobs.size(), 8324U);
  EXPECT_EQ(
      reason(t.report.adjusted, "no time columns (submit 0 in file order, duration 365 days)"),
      8324U);
  for (const auto& j : t.workload.jobs) {
    ASSERT_EQ(j.submit.ms(), 0);
    ASSERT_FALSE(j.observed.status);
  }
  EXPECT_EQ(t.workload.jobs[1].gpu_milli, 460U);
}

TEST(OpenbPods, StrictRefusesTheAdjustedRows) {
  ORRERY_REQUIRE_SHARED(path, "openb/csv/openb_pod_list_default.csv");
  traces::ImportOptions strict;
  strict.strict = true;
  const std::string msg =
      input_error([&] { traces::import_trace(path.string(), "openb-pods", strict); });
  EXPECT_NE(msg.find("897 rows adjusted: never scheduled"), std::string::npos) << msg;
}

TEST(OpenbNodes, GpuNodeListMatchesSourceFigures) {
  ORRERY_REQUIRE_SHARED(path, "openb/csv/openb_node_list_gpu_node.csv");
  traces::ImportReport r;
  const auto c = traces::import_cluster(path.string(), "openb-nodes", {}, &r);
  EXPECT_EQ(r.rows, 1213U);
  EXPECT_EQ(cluster_nodes(c), 1213U);
  EXPECT_EQ(cluster_gpus(c), 6212U);
  EXPECT_EQ(c.name, "openb_node_list_gpu_node");
  EXPECT_EQ(nodes_of(c, "G2", 8), 549U);
  EXPECT_EQ(nodes_of(c, "T4", 2), 387U);
  EXPECT_EQ(nodes_of(c, "P100", 2), 131U);
  EXPECT_EQ(nodes_of(c, "G3", 8), 39U);
  EXPECT_EQ(nodes_of(c, "V100M16", 4), 28U);
  EXPECT_EQ(nodes_of(c, "V100M32", 8), 21U);
  EXPECT_EQ(nodes_of(c, "V100M16", 1), 19U);
  EXPECT_EQ(nodes_of(c, "T4", 4), 17U);
  EXPECT_EQ(nodes_of(c, "V100M32", 4), 9U);
  EXPECT_EQ(nodes_of(c, "V100M16", 8), 8U);
  EXPECT_EQ(nodes_of(c, "P100", 1), 3U);
  EXPECT_EQ(nodes_of(c, "A10", 1), 2U);
  EXPECT_EQ(c.pools.size(), 15U);  // awk: 15 distinct (model, gpu, cpu_milli, memory_mib)
  EXPECT_TRUE(r.adjusted.empty());
  // The first node: openb-node-0000,64000,262144,2,P100
  EXPECT_EQ(c.pools[0].gpu_type, "P100");
  EXPECT_EQ(c.pools[0].cpu_cores, 64U);
  EXPECT_EQ(c.pools[0].memory_mib, 262144U);
  sim::Cluster built(c);  // a valid cluster description
  EXPECT_EQ(built.total_gpus(), 6212U);
}

TEST(OpenbNodes, AllNodeListHasCpuOnlyNodes) {
  ORRERY_REQUIRE_SHARED(path, "openb/csv/openb_node_list_all_node.csv");
  const auto c = traces::import_cluster(path.string(), "openb-nodes", {});
  EXPECT_EQ(cluster_nodes(c), 1523U);
  EXPECT_EQ(cluster_gpus(c), 6212U);
  EXPECT_EQ(nodes_of(c, "", 0), 310U);
}

TEST(OpenbNodes, YamlGivesTheSamePoolsAsTheCsv) {
  ORRERY_REQUIRE_SHARED(yaml, "openb/node_yaml/openb_node_list_gpu_node.yaml");
  ORRERY_REQUIRE_SHARED(csv, "openb/csv/openb_node_list_gpu_node.csv");
  traces::ImportReport r;
  const auto y = traces::import_cluster(yaml.string(), "openb-nodes", {}, &r);
  const auto c = traces::import_cluster(csv.string(), "openb-nodes", {});
  EXPECT_EQ(r.rows, 1213U);
  ASSERT_EQ(y.pools.size(), c.pools.size());
  for (std::size_t i = 0; i < c.pools.size(); ++i) {
    EXPECT_EQ(y.pools[i].name, c.pools[i].name);
    EXPECT_EQ(y.pools[i].nodes, c.pools[i].nodes);
    EXPECT_EQ(y.pools[i].cpu_cores, c.pools[i].cpu_cores);
    EXPECT_EQ(y.pools[i].memory_mib, c.pools[i].memory_mib);
  }
}

// --- Philly machine lists ------------------------------------------------------------------------

TEST(PhillyMachines, OfficialListMatchesSourceFigures) {
  ORRERY_REQUIRE_SHARED(path, "philly/philly-trace-scripts/cluster_machine_list");
  traces::ImportReport r;
  const auto c = traces::import_cluster(path.string(), "philly-machines", {}, &r);
  EXPECT_EQ(r.rows, 552U);
  EXPECT_EQ(cluster_nodes(c), 552U);
  EXPECT_EQ(cluster_gpus(c), 2490U);
  EXPECT_EQ(nodes_of(c, "Philly-12GB", 2), 321U);
  EXPECT_EQ(nodes_of(c, "Philly-24GB", 8), 231U);
}

TEST(PhillyMachines, RevisedListUsesTheRevisedGpuCounts) {
  ORRERY_REQUIRE_SHARED(path, "philly/philly-trace-scripts/revised_machine_list.csv");
  traces::ImportReport r;
  const auto c = traces::import_cluster(path.string(), "philly-machines", {}, &r);
  EXPECT_EQ(r.rows, 552U);
  EXPECT_EQ(reason(r.dropped, "machine with 0 GPUs"), 13U);
  EXPECT_EQ(cluster_gpus(c), 3205U);
  EXPECT_EQ(nodes_of(c, "Philly", 8), 264U);
  EXPECT_EQ(nodes_of(c, "Philly", 4), 271U);
  EXPECT_EQ(nodes_of(c, "Philly", 2), 3U);
  EXPECT_EQ(nodes_of(c, "Philly", 3), 1U);
  traces::ImportOptions strict;
  strict.strict = true;
  const std::string msg =
      input_error([&] { traces::import_cluster(path.string(), "philly-machines", strict); });
  EXPECT_NE(msg.find("13 rows dropped: machine with 0 GPUs (--strict)"), std::string::npos) << msg;
}

// --- PAI machines --------------------------------------------------------------------------------

TEST(PaiMachines, MachineSpecMatchesSourceFigures) {
  ORRERY_REQUIRE_SHARED(path, "alibaba-pai-2020/pai_machine_spec.csv");
  traces::ImportReport r;
  const auto c = traces::import_cluster(path.string(), "pai-machines", {}, &r);
  EXPECT_EQ(r.rows, 1897U);
  EXPECT_EQ(cluster_nodes(c), 1897U);
  EXPECT_EQ(cluster_gpus(c), 6742U);
  EXPECT_EQ(nodes_of(c, "P100", 2), 798U);
  EXPECT_EQ(nodes_of(c, "T4", 2), 497U);
  EXPECT_EQ(nodes_of(c, "MISC", 8), 280U);
  EXPECT_EQ(nodes_of(c, "V100M32", 8), 135U);
  EXPECT_EQ(nodes_of(c, "V100", 8), 104U);
  EXPECT_EQ(nodes_of(c, "", 0), 83U);  // gpu_type CPU
  EXPECT_EQ(c.pools.size(), 7U);       // V100 comes in two memory sizes
  std::uint64_t v100_384 = 0;
  for (const auto& p : c.pools) {
    if (p.gpu_type == "V100" && p.memory_mib == 384U * 1024U) v100_384 = p.nodes;
  }
  EXPECT_EQ(v100_384, 45U);
  EXPECT_TRUE(r.adjusted.empty());
  EXPECT_TRUE(r.dropped.empty());
}

// --- Tiresias
// --------------------------------------------------------------------------------------

TEST(Tiresias, SixtyJobSample) {
  ORRERY_REQUIRE_SHARED(path, "tiresias/60_job.csv");
  const auto t = traces::import_trace(path.string(), "auto", {});
  EXPECT_EQ(t.report.format, "tiresias");
  ASSERT_EQ(t.workload.jobs.size(), 60U);
  EXPECT_EQ(max_submit_ms(t.workload), 1'779'000);
  // 1,8,30,133,vgg11,147,23
  const auto& j = t.workload.jobs[1];
  EXPECT_EQ(j.tasks, 8U);
  EXPECT_EQ(j.gpu_milli, 1000U);
  EXPECT_EQ(j.submit.ms(), 30'000);
  EXPECT_EQ(j.duration.ms(), 147'000);
  EXPECT_EQ(t.workload.job_classes[j.job_class], "vgg11");
}

TEST(Tiresias, ClusterShapes) {
  ORRERY_REQUIRE_SHARED(spec, "tiresias/cluster_spec.csv");
  const auto c = traces::import_cluster(spec.string(), "tiresias-cluster", {});
  ASSERT_EQ(c.pools.size(), 1U);
  EXPECT_EQ(c.pools[0].nodes, 16U);
  EXPECT_EQ(c.pools[0].gpus_per_node, 4U);
  EXPECT_EQ(c.pools[0].cpu_cores, 128U);
  EXPECT_EQ(c.pools[0].memory_mib, 254U * 1024U);
  EXPECT_EQ(c.topology.nodes_per_rack, 16U);
  // n32g4.csv ends without a newline.
  ORRERY_REQUIRE_SHARED(n32, "tiresias/n32g4.csv");
  EXPECT_EQ(cluster_gpus(traces::import_cluster(n32.string(), "tiresias-cluster", {})), 128U);
  ORRERY_REQUIRE_SHARED(n256, "tiresias/n256g8.csv");
  const auto big = traces::import_cluster(n256.string(), "tiresias-cluster", {});
  EXPECT_EQ(cluster_gpus(big), 2048U);
  EXPECT_EQ(big.topology.nodes_per_rack, 32U);
}

// --- Helios VC quotas
// ------------------------------------------------------------------------------

TEST(HeliosQuotas, VenusAndEarthDailyTables) {
  ORRERY_REQUIRE_SHARED(venus, "helios/heliosdata/Venus/cluster_gpu_number.csv");
  const auto v = traces::read_vc_quotas(venus.string());
  EXPECT_EQ(v.days(), 181U);
  EXPECT_EQ(v.vcs.size(), 25U);
  EXPECT_EQ(traces::civil_from_days(v.first_day), "2020-04-01");
  EXPECT_EQ(traces::civil_from_days(v.first_day + 180), "2020-09-28");
  EXPECT_EQ(v.total.front(), 968U);
  EXPECT_EQ(v.total.back(), 1080U);
  EXPECT_EQ(*std::max_element(v.total.begin(), v.total.end()), 1264U);
  EXPECT_EQ(v.at("vchbv", v.first_day), 72U);  // 2020-04-01 row, vchbv column
  EXPECT_EQ(v.at("vcEwI", v.first_day), 72U);
  EXPECT_EQ(v.at("vchbv", v.first_day + 180), 32U);  // 2020-09-28: ...,vchbv=32 (file)
  EXPECT_FALSE(v.at("vchbv", v.first_day - 1));
  EXPECT_FALSE(v.at("nope", v.first_day));
  EXPECT_EQ(v.day_quotas(v.first_day).size(), 25U);
  ORRERY_REQUIRE_SHARED(earth, "helios/heliosartifact/Earth_vcs/Earth_gpu_number.csv");
  const auto e = traces::read_vc_quotas(earth.string());
  EXPECT_EQ(e.days(), 181U);
  EXPECT_EQ(e.total.front(), 784U);
  EXPECT_EQ(e.total.back(), 1208U);
  EXPECT_EQ(*std::max_element(e.total.begin(), e.total.end()), 1232U);
  EXPECT_EQ(e.at("vchbv", e.first_day), 112U);
  // The same VC id in both clusters is a different VC: tables are per cluster.
  EXPECT_NE(v.at("vchbv", v.first_day), e.at("vchbv", e.first_day));
}

}  // namespace
}  // namespace orrery::test
