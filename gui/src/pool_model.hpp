// The node-pool table of the scenario editor: one row per pool, every column editable.
// "Autoscale min" is empty when the pool does not autoscale; entering a number turns the
// autoscaler on with that minimum (the pool's `nodes` is then the maximum).
#pragma once

#include <QAbstractTableModel>
#include <vector>

#include "orrery/sim/cluster.hpp"

namespace orrery::gui {

class PoolTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column {
    kName,
    kGpuType,
    kGpusPerNode,
    kNodes,
    kCpuCores,
    kMemoryGib,
    kPriceKind,
    kPricePerGpuHour,
    kAutoscaleMin,
    kColumnCount
  };

  explicit PoolTableModel(QObject* parent = nullptr);

  void set_pools(std::vector<sim::NodePoolSpec> pools);
  const std::vector<sim::NodePoolSpec>& pools() const { return pools_; }
  void add_pool();
  void remove_pool(int row);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;
  bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;

 signals:
  void edited();

 private:
  std::vector<sim::NodePoolSpec> pools_;
};

}  // namespace orrery::gui
