// Helpers for the tests of inspect, transforms and synth: the Tiresias 60-job sample and the
// DIR-LAB Philly/Helios cuts as workloads, read here with a few lines of hand-checked code (or
// through a registered importer when the cut's format is registered).
#pragma once

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "orrery/sim/job.hpp"
#include "orrery/traces/trace_format.hpp"

namespace orrery::test {

inline std::vector<std::string> split_commas_line(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string f;
  while (std::getline(ss, f, ',')) out.push_back(f);
  return out;
}

// tiresias/60_job.csv: job_id,num_gpu,submit_time,iterations,model_name,duration,interval.
// One task of num_gpu GPUs, submitted at submit_time, running `duration` seconds.
inline sim::Workload tiresias_60(const std::string& path) {
  sim::Workload w;
  w.source = path;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const auto f = split_commas_line(line);
    sim::JobSpec j;
    j.id = f[0];
    j.gpu_milli = static_cast<std::uint32_t>(std::stoul(f[1]) * 1000);
    j.submit = sim::SimTime::from_seconds(std::stod(f[2]));
    j.job_class = w.job_classes.intern(f[4]);
    j.duration = sim::SimTime::from_seconds(std::stod(f[5]));
    w.jobs.push_back(j);
  }
  return w;
}

// A DIR-LAB cut (u_id,user,gpu_num,cpu_num,node_num,interval,run_time,wall_time,new_status):
// through the registered "dirlab" importer when there is one, else read here (submit = running
// sum of interval; one task per node when the GPUs divide evenly).
inline sim::Workload dirlab_cut(const std::string& path) {
  for (const auto& f : traces::trace_formats()) {
    if (f.name == "dirlab") return traces::import_trace(path, "dirlab", {}).workload;
  }
  sim::Workload w;
  w.source = path;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  double submit = 0;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const auto f = split_commas_line(line);
    sim::JobSpec j;
    j.id = f[0];
    j.user = w.users.intern(f[1]);
    const auto gpus = std::stoul(f[2]);
    const auto nodes = std::max<unsigned long>(1, std::stoul(f[4]));
    if (gpus % nodes == 0) {
      j.tasks = static_cast<std::uint32_t>(nodes);
      j.gpu_milli = static_cast<std::uint32_t>(gpus / nodes * 1000);
    } else {
      j.gpu_milli = static_cast<std::uint32_t>(gpus * 1000);
    }
    submit += std::stod(f[5]);
    j.submit = sim::SimTime::from_seconds(submit);
    j.duration = sim::SimTime::from_seconds(std::stod(f[6]));
    const std::string& st = f[8];
    j.observed.status = st == "Pass"     ? sim::JobStatus::kCompleted
                        : st == "Killed" ? sim::JobStatus::kKilled
                                         : sim::JobStatus::kFailed;
    w.jobs.push_back(j);
  }
  return w;
}

}  // namespace orrery::test
