// Importers of the public GPU-cluster traces (Philly, Helios, Alibaba PAI 2020 and openb 2023,
// Acme, Tiresias, SWF and the DIR-LAB cuts), callable directly as well as through the registry
// (trace_formats() / cluster_formats(), names in formats_public.cpp). Each is documented in
// docs/formats.md: columns used, units, time origin, quirks, what is dropped or adjusted and why.
//
//   Imported t = read_openb_pods("openb_pod_list_default.csv", {});
//   ImportReport r;
//   sim::ClusterSpec c = read_openb_nodes("openb_node_list_gpu_node.csv", {}, r);
//   VcQuotas q = read_vc_quotas("cluster_gpu_number.csv");
//   q.at("vchbv", q.first_day + 3);  // GPUs of VC vchbv on the fourth day of the table
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "orrery/sim/cluster.hpp"
#include "orrery/traces/trace_format.hpp"

namespace orrery::traces {

// --- job traces ------------------------------------------------------------------------------
Imported read_philly_json(const std::string& path, const ImportOptions& options);  // philly-json
Imported read_philly_csv(const std::string& path, const ImportOptions& options);   // philly-csv
Imported read_helios_dirlab(const std::string& path, const ImportOptions& options);
Imported read_bluewaters(const std::string& path, const ImportOptions& options);  // bluewaters
Imported read_dirlab(const std::string& path, const ImportOptions& options);      // dirlab
Imported read_helios(const std::string& path, const ImportOptions& options);      // helios
Imported read_acme(const std::string& path, const ImportOptions& options);        // acme
Imported read_pai_2020(const std::string& path, const ImportOptions& options);    // pai-2020
Imported read_openb_pods(const std::string& path, const ImportOptions& options);  // openb-pods
Imported read_tiresias(const std::string& path, const ImportOptions& options);    // tiresias
Imported read_swf(const std::string& path, const ImportOptions& options);         // swf
Imported read_swf_gpu(const std::string& path, const ImportOptions& options);     // swf-gpu

// Header detectors for --format auto (the first line of the file).
bool detect_philly_json(std::string_view header);
bool detect_dirlab(std::string_view header);
bool detect_helios(std::string_view header);
bool detect_acme(std::string_view header);
bool detect_pai_2020(std::string_view header);
bool detect_openb_pods(std::string_view header);
bool detect_tiresias(std::string_view header);
bool detect_swf(std::string_view header);

// --- machine and node lists (ClusterFormat) --------------------------------------------------
sim::ClusterSpec read_philly_machines(const std::string& path, const ImportOptions& options,
                                      ImportReport& report);  // philly-machines
sim::ClusterSpec read_openb_nodes(const std::string& path, const ImportOptions& options,
                                  ImportReport& report);  // openb-nodes (CSV or Kubernetes YAML)
sim::ClusterSpec read_pai_machines(const std::string& path, const ImportOptions& options,
                                   ImportReport& report);  // pai-machines
sim::ClusterSpec read_tiresias_cluster(const std::string& path, const ImportOptions& options,
                                       ImportReport& report);  // tiresias-cluster

// --- per-day virtual-cluster GPU quotas (Helios cluster_gpu_number.csv) ----------------------
// File format (docs/formats.md, "VC quota table"): a header `date,<vc>,...,<vc>,total`, then one
// row per consecutive calendar day `YYYY-MM-DD,<GPUs>,...,<GPUs>,<total>`.
struct VcQuotas {
  std::string source;
  std::int64_t first_day = 0;                    // days since 1970-01-01 of the first row
  std::vector<std::string> vcs;                  // in column order
  std::vector<std::vector<std::uint32_t>> gpus;  // [day - first_day][vc index]
  std::vector<std::uint32_t> total;              // [day - first_day], the file's `total` column

  std::size_t days() const { return gpus.size(); }
  std::optional<std::size_t> vc_index(std::string_view vc) const;
  // GPUs of `vc` on `day` (days since 1970-01-01); nullopt for an unknown VC or a day outside
  // the table.
  std::optional<std::uint32_t> at(std::string_view vc, std::int64_t day) const;
  // The whole table for one day: quota per VC in `vcs` order (empty outside the table).
  std::vector<std::uint32_t> day_quotas(std::int64_t day) const;
};
// Throws sim::InputError naming file:line: column for malformed input.
VcQuotas read_vc_quotas(const std::string& path);

// Days since 1970-01-01 of a civil date (proleptic Gregorian), and back as "YYYY-MM-DD".
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day);
std::string civil_from_days(std::int64_t days);

}  // namespace orrery::traces
