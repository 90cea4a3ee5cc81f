#include "pool_model.hpp"

#include <cmath>

#include "scenario_io.hpp"

namespace orrery::gui {

PoolTableModel::PoolTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void PoolTableModel::set_pools(std::vector<sim::NodePoolSpec> pools) {
  beginResetModel();
  pools_ = std::move(pools);
  endResetModel();
}

void PoolTableModel::add_pool() {
  const int row = static_cast<int>(pools_.size());
  beginInsertRows({}, row, row);
  sim::NodePoolSpec pool;
  pool.name = "pool" + std::to_string(row);
  pool.gpu_type = "A100-80";
  pools_.push_back(pool);
  endInsertRows();
  emit edited();
}

void PoolTableModel::remove_pool(int row) {
  if (row < 0 || row >= static_cast<int>(pools_.size())) return;
  beginRemoveRows({}, row, row);
  pools_.erase(pools_.begin() + row);
  endRemoveRows();
  emit edited();
}

int PoolTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(pools_.size());
}

int PoolTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumnCount;
}

QVariant PoolTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= rowCount()) return {};
  const sim::NodePoolSpec& p = pools_[static_cast<std::size_t>(index.row())];
  if (role == Qt::TextAlignmentRole) {
    const bool text =
        index.column() == kName || index.column() == kGpuType || index.column() == kPriceKind;
    return QVariant::fromValue(text ? Qt::AlignLeft | Qt::AlignVCenter
                                    : Qt::AlignRight | Qt::AlignVCenter);
  }
  if (role != Qt::DisplayRole && role != Qt::EditRole) return {};
  switch (index.column()) {
    case kName:
      return QString::fromStdString(p.name);
    case kGpuType:
      return QString::fromStdString(p.gpu_type);
    case kGpusPerNode:
      return p.gpus_per_node;
    case kNodes:
      return p.nodes;
    case kCpuCores:
      return p.cpu_cores;
    case kMemoryGib:
      return static_cast<double>(p.memory_mib) / 1024.0;
    case kPriceKind: {
      const std::string k = price_kind_name(p.price.kind);
      return QString::fromStdString(k.empty() && role == Qt::DisplayRole ? "none" : k);
    }
    case kPricePerGpuHour:
      if (p.price.kind == sim::PoolPrice::Kind::kNone && role == Qt::DisplayRole) return {};
      return p.price.per_gpu_hour;
    case kAutoscaleMin:
      if (!p.autoscale.enabled) return role == Qt::EditRole ? QVariant(QString()) : QVariant();
      return p.autoscale.min_nodes;
    default:
      return {};
  }
}

QVariant PoolTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (role != Qt::DisplayRole) return {};
  if (orientation == Qt::Vertical) return section + 1;
  static const char* const names[kColumnCount] = {"Name",       "GPU type",   "GPUs/node",
                                                  "Nodes",      "CPU cores",  "Memory (GiB)",
                                                  "Price kind", "$/GPU-hour", "Autoscale min"};
  if (section < 0 || section >= kColumnCount) return {};
  return QString::fromUtf8(names[section]);
}

Qt::ItemFlags PoolTableModel::flags(const QModelIndex& index) const {
  if (!index.isValid()) return Qt::NoItemFlags;
  return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsEditable;
}

bool PoolTableModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (role != Qt::EditRole || !index.isValid() || index.row() >= rowCount()) return false;
  sim::NodePoolSpec& p = pools_[static_cast<std::size_t>(index.row())];
  bool ok = true;
  const QString text = value.toString().trimmed();
  switch (index.column()) {
    case kName:
      if (text.isEmpty()) return false;
      p.name = text.toStdString();
      break;
    case kGpuType:
      p.gpu_type = text.toStdString();
      break;
    case kGpusPerNode: {
      const uint v = text.toUInt(&ok);
      if (!ok || v > 64) return false;
      p.gpus_per_node = v;
      break;
    }
    case kNodes: {
      const uint v = text.toUInt(&ok);
      if (!ok || v < 1) return false;
      p.nodes = v;
      break;
    }
    case kCpuCores: {
      const uint v = text.toUInt(&ok);
      if (!ok || v < 1) return false;
      p.cpu_cores = v;
      break;
    }
    case kMemoryGib: {
      const double v = text.toDouble(&ok);
      if (!ok || !(v >= 1) || v > 1e6) return false;
      p.memory_mib = static_cast<std::uint64_t>(std::llround(v * 1024.0));
      break;
    }
    case kPriceKind: {
      const std::string k = text.toStdString();
      if (k.empty() || k == "none") {
        p.price.kind = sim::PoolPrice::Kind::kNone;
      } else {
        const auto kind = price_kind_from_name(k);
        if (kind == sim::PoolPrice::Kind::kNone) return false;
        p.price.kind = kind;
      }
      break;
    }
    case kPricePerGpuHour: {
      const double v = text.toDouble(&ok);
      if (!ok || !(v >= 0) || v > 1e6) return false;
      p.price.per_gpu_hour = v;
      break;
    }
    case kAutoscaleMin:
      if (text.isEmpty()) {
        p.autoscale.enabled = false;
        p.autoscale.min_nodes = 0;
      } else {
        const uint v = text.toUInt(&ok);
        if (!ok) return false;
        p.autoscale.enabled = true;
        p.autoscale.min_nodes = v;
      }
      break;
    default:
      return false;
  }
  emit dataChanged(index.siblingAtColumn(0), index.siblingAtColumn(kColumnCount - 1));
  emit edited();
  return true;
}

}  // namespace orrery::gui
