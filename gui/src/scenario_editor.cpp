#include "scenario_editor.hpp"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "orrery/policies/registry.hpp"
#include "orrery/reports/analysis.hpp"
#include "orrery/traces/inspect.hpp"
#include "orrery/traces/trace_format.hpp"
#include "orrery/traces/transform.hpp"
#include "pool_model.hpp"
#include "problems_dialog.hpp"
#include "scenario_io.hpp"

namespace orrery::gui {

namespace {

// A combo box for the price-kind column.
class PriceKindDelegate : public QStyledItemDelegate {
 public:
  using QStyledItemDelegate::QStyledItemDelegate;
  QWidget* createEditor(QWidget* parent, const QStyleOptionViewItem&,
                        const QModelIndex&) const override {
    auto* box = new QComboBox(parent);
    box->addItems({"none", "on-demand", "reserved", "spot", "on-prem"});
    return box;
  }
  void setEditorData(QWidget* editor, const QModelIndex& index) const override {
    auto* box = static_cast<QComboBox*>(editor);
    const QString v = index.data(Qt::EditRole).toString();
    box->setCurrentText(v.isEmpty() ? QStringLiteral("none") : v);
  }
  void setModelData(QWidget* editor, QAbstractItemModel* model,
                    const QModelIndex& index) const override {
    model->setData(index, static_cast<QComboBox*>(editor)->currentText());
  }
};

QDoubleSpinBox* gbps_box(QWidget* parent) {
  auto* b = new QDoubleSpinBox(parent);
  b->setRange(0.001, 1e6);
  b->setDecimals(3);
  b->setSuffix(" GB/s");
  return b;
}

}  // namespace

ScenarioEditor::ScenarioEditor(QWidget* parent) : QWidget(parent) {
  auto* outer = new QVBoxLayout(this);

  // Scenario-wide settings.
  auto* top = new QHBoxLayout();
  top->addWidget(new QLabel(tr("Name:"), this));
  name_ = new QLineEdit(this);
  name_->setObjectName("scenarioName");
  top->addWidget(name_, 2);
  top->addWidget(new QLabel(tr("Placement:"), this));
  placement_ = new QComboBox(this);
  placement_->setObjectName("placement");
  for (const auto& p : policies::placer_registry()) {
    placement_->addItem(QString::fromStdString(p.name));
    placement_->setItemData(placement_->count() - 1, QString::fromStdString(p.summary),
                            Qt::ToolTipRole);
  }
  top->addWidget(placement_);
  top->addWidget(new QLabel(tr("Seed:"), this));
  seed_ = new QSpinBox(this);
  seed_->setRange(0, 2147483647);
  top->addWidget(seed_);
  top->addWidget(new QLabel(tr("Sample every:"), this));
  sample_interval_ = new QDoubleSpinBox(this);
  sample_interval_->setRange(1, 1e7);
  sample_interval_->setDecimals(0);
  sample_interval_->setSuffix(" s");
  top->addWidget(sample_interval_);
  outer->addLayout(top);

  auto* split = new QSplitter(Qt::Horizontal, this);
  outer->addWidget(split, 1);

  // Left column: cluster, then policies.
  auto* left = new QWidget(split);
  auto* left_layout = new QVBoxLayout(left);
  left_layout->setContentsMargins(0, 0, 0, 0);
  auto* cluster_box = new QGroupBox(tr("Cluster"), left);
  auto* cl = new QVBoxLayout(cluster_box);
  auto* cname_row = new QHBoxLayout();
  cname_row->addWidget(new QLabel(tr("Cluster name:"), cluster_box));
  cluster_name_ = new QLineEdit(cluster_box);
  cname_row->addWidget(cluster_name_, 1);
  auto* add = new QPushButton(tr("Add pool"), cluster_box);
  auto* remove = new QPushButton(tr("Remove pool"), cluster_box);
  cname_row->addWidget(add);
  cname_row->addWidget(remove);
  cl->addLayout(cname_row);
  pools_ = new PoolTableModel(this);
  pool_view_ = new QTableView(cluster_box);
  pool_view_->setObjectName("poolTable");
  pool_view_->setModel(pools_);
  pool_view_->setItemDelegateForColumn(PoolTableModel::kPriceKind,
                                       new PriceKindDelegate(pool_view_));
  pool_view_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  pool_view_->verticalHeader()->setVisible(false);
  pool_view_->setSelectionBehavior(QAbstractItemView::SelectRows);
  pool_view_->setMinimumHeight(110);
  cl->addWidget(pool_view_, 1);
  auto* topo = new QFormLayout();
  topo->setFieldGrowthPolicy(QFormLayout::FieldsStayAtSizeHint);
  auto* topo_row = new QHBoxLayout();
  nodes_per_rack_ = new QSpinBox(cluster_box);
  nodes_per_rack_->setRange(1, 1000000);
  nvlink_ = gbps_box(cluster_box);
  pcie_ = gbps_box(cluster_box);
  node_link_ = gbps_box(cluster_box);
  uplink_ = gbps_box(cluster_box);
  auto* topo_left = new QFormLayout();
  topo_left->addRow(tr("Nodes per rack"), nodes_per_rack_);
  topo_left->addRow(tr("NVLink"), nvlink_);
  topo_left->addRow(tr("PCIe"), pcie_);
  auto* topo_right = new QFormLayout();
  topo_right->addRow(tr("Node link"), node_link_);
  topo_right->addRow(tr("Rack uplink"), uplink_);
  topo_row->addLayout(topo_left);
  topo_row->addLayout(topo_right);
  topo->addRow(topo_row);
  auto* topo_box =
      new QGroupBox(tr("Topology (GPU → NVLink domain → node → rack → spine)"), cluster_box);
  topo_box->setLayout(topo);
  cl->addWidget(topo_box);
  left_layout->addWidget(cluster_box, 3);

  auto* pol_box = new QGroupBox(tr("Policies (each checked one runs; side by side)"), left);
  auto* pl = new QHBoxLayout(pol_box);
  policies_ = new QListWidget(pol_box);
  policies_->setObjectName("policyList");
  pl->addWidget(policies_, 1);
  auto* params_col = new QVBoxLayout();
  params_col->addWidget(
      new QLabel(tr("Parameters of the selected policy (JSON object):"), pol_box));
  params_ = new QPlainTextEdit(pol_box);
  params_->setObjectName("policyParams");
  params_->setFont(QFont("DejaVu Sans Mono"));
  params_col->addWidget(params_, 1);
  auto* apply_row = new QHBoxLayout();
  auto* apply = new QPushButton(tr("Apply parameters"), pol_box);
  apply->setObjectName("applyParams");
  params_status_ = new QLabel(pol_box);
  params_status_->setWordWrap(true);
  apply_row->addWidget(apply);
  apply_row->addWidget(params_status_, 1);
  params_col->addLayout(apply_row);
  pl->addLayout(params_col, 1);
  left_layout->addWidget(pol_box, 2);

  // Right column: workload.
  auto* wl_box = new QGroupBox(tr("Workload"), split);
  auto* wl = new QVBoxLayout(wl_box);
  auto* trace_row = new QHBoxLayout();
  trace_row->addWidget(new QLabel(tr("Trace:"), wl_box));
  trace_ = new QLineEdit(wl_box);
  trace_->setObjectName("tracePath");
  trace_->setPlaceholderText(tr("a trace file (drop one on the window)"));
  trace_row->addWidget(trace_, 1);
  auto* browse = new QPushButton(tr("Browse…"), wl_box);
  trace_row->addWidget(browse);
  wl->addLayout(trace_row);
  auto* fmt_row = new QHBoxLayout();
  fmt_row->addWidget(new QLabel(tr("Format:"), wl_box));
  format_ = new QComboBox(wl_box);
  format_->setObjectName("traceFormat");
  format_->addItem("auto");
  for (const auto& f : traces::trace_formats()) {
    format_->addItem(QString::fromStdString(f.name));
    format_->setItemData(format_->count() - 1, QString::fromStdString(f.summary), Qt::ToolTipRole);
  }
  fmt_row->addWidget(format_, 1);
  strict_ = new QCheckBox(tr("Strict (dropped rows are errors)"), wl_box);
  fmt_row->addWidget(strict_);
  auto* inspect = new QPushButton(tr("Inspect"), wl_box);
  inspect->setObjectName("inspectTrace");
  fmt_row->addWidget(inspect);
  wl->addLayout(fmt_row);
  wl->addWidget(new QLabel(tr("Transforms (JSON list, applied in order after import; "
                              "e.g. [{\"scale_load\": {\"factor\": 1.5}}]):"),
                           wl_box));
  transforms_ = new QPlainTextEdit(wl_box);
  transforms_->setObjectName("transforms");
  transforms_->setFont(QFont("DejaVu Sans Mono"));
  transforms_->setMaximumHeight(60);
  wl->addWidget(transforms_);
  warnings_ = new QLabel(wl_box);
  warnings_->setObjectName("traceWarnings");
  warnings_->setWordWrap(true);
  warnings_->setTextFormat(Qt::RichText);
  wl->addWidget(warnings_);
  stats_ = new QPlainTextEdit(wl_box);
  stats_->setObjectName("traceStats");
  stats_->setReadOnly(true);
  stats_->setFont(QFont("DejaVu Sans Mono"));
  stats_->setPlaceholderText(tr("Trace statistics appear here once a trace is inspected."));
  wl->addWidget(stats_, 1);
  split->addWidget(left);
  split->addWidget(wl_box);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);

  auto changed_fn = [this] {
    if (!loading_) emit changed();
  };
  connect(pools_, &PoolTableModel::edited, this, changed_fn);
  connect(name_, &QLineEdit::textEdited, this, changed_fn);
  connect(cluster_name_, &QLineEdit::textEdited, this, changed_fn);
  for (QSpinBox* b : {nodes_per_rack_, seed_})
    connect(b, &QSpinBox::valueChanged, this, changed_fn);
  for (QDoubleSpinBox* b : {nvlink_, pcie_, node_link_, uplink_, sample_interval_})
    connect(b, &QDoubleSpinBox::valueChanged, this, changed_fn);
  connect(placement_, &QComboBox::currentIndexChanged, this, changed_fn);
  connect(format_, &QComboBox::currentIndexChanged, this, changed_fn);
  connect(strict_, &QCheckBox::toggled, this, changed_fn);
  connect(transforms_, &QPlainTextEdit::textChanged, this, changed_fn);
  connect(trace_, &QLineEdit::textEdited, this, changed_fn);
  connect(trace_, &QLineEdit::editingFinished, this, [this] {
    if (!trace_->text().isEmpty() && trace_->isModified()) {
      trace_->setModified(false);
      inspect_trace();
    }
  });
  connect(policies_, &QListWidget::itemChanged, this, changed_fn);
  connect(policies_, &QListWidget::currentItemChanged, this,
          [this](QListWidgetItem* cur, QListWidgetItem*) { on_policy_selected(cur); });
  connect(add, &QPushButton::clicked, pools_, &PoolTableModel::add_pool);
  connect(remove, &QPushButton::clicked, this,
          [this] { pools_->remove_pool(pool_view_->currentIndex().row()); });
  connect(apply, &QPushButton::clicked, this, &ScenarioEditor::apply_params);
  connect(inspect, &QPushButton::clicked, this, &ScenarioEditor::inspect_trace);
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString f = QFileDialog::getOpenFileName(this, tr("Choose a trace"), trace_->text());
    if (!f.isEmpty()) {
      set_trace(f);
      emit changed();
    }
  });
  set_scenario(scenario::Scenario{});
}

void ScenarioEditor::fill_policy_list(const std::vector<scenario::PolicyChoice>& chosen) {
  policies_->clear();
  params_by_policy_.clear();
  std::vector<std::string> order;
  for (const auto& c : chosen) {
    if (std::find(order.begin(), order.end(), c.name) == order.end()) order.push_back(c.name);
    params_by_policy_[c.name] = c.params;
  }
  for (const auto& p : policies::policy_registry())
    if (std::find(order.begin(), order.end(), p.name) == order.end()) order.push_back(p.name);
  for (const std::string& name : order) {
    auto* item = new QListWidgetItem(QString::fromStdString(name), policies_);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsUserCheckable);
    const bool on = std::any_of(chosen.begin(), chosen.end(),
                                [&](const scenario::PolicyChoice& c) { return c.name == name; });
    item->setCheckState(on ? Qt::Checked : Qt::Unchecked);
    for (const auto& p : policies::policy_registry())
      if (p.name == name) item->setToolTip(QString::fromStdString(p.summary));
  }
  if (policies_->count() > 0) policies_->setCurrentRow(0);
}

void ScenarioEditor::set_scenario(const scenario::Scenario& s) {
  loading_ = true;
  base_ = s;
  name_->setText(QString::fromStdString(s.name));
  cluster_name_->setText(QString::fromStdString(s.cluster.name));
  pools_->set_pools(s.cluster.pools);
  const auto& t = s.cluster.topology;
  nodes_per_rack_->setValue(static_cast<int>(t.nodes_per_rack));
  nvlink_->setValue(t.nvlink_gbps);
  pcie_->setValue(t.pcie_gbps);
  node_link_->setValue(t.node_link_gbps);
  uplink_->setValue(t.rack_uplink_gbps);
  trace_->setText(QString::fromStdString(s.trace_path));
  format_->setCurrentText(QString::fromStdString(s.trace_format));
  strict_->setChecked(s.strict);
  transforms_->setPlainText(
      s.transforms.empty() ? QString()
                           : QString::fromStdString(traces::transforms_json(s.transforms).dump()));
  placement_->setCurrentText(QString::fromStdString(s.placement));
  seed_->setValue(static_cast<int>(std::min<std::uint64_t>(s.options.seed, 2147483647)));
  sample_interval_->setValue(s.options.sample_interval.seconds());
  fill_policy_list(s.policies);
  stats_->clear();
  warnings_->clear();
  detected_format_.clear();
  loading_ = false;
  if (!s.trace_path.empty()) inspect_trace();
}

scenario::Scenario ScenarioEditor::collect(sim::Problems& problems) const {
  scenario::Scenario s = base_;
  s.name = name_->text().toStdString();
  s.cluster.name = cluster_name_->text().toStdString();
  s.cluster.pools = pools_->pools();
  s.cluster_source = "inline";
  auto& t = s.cluster.topology;
  t.nodes_per_rack = static_cast<std::uint32_t>(nodes_per_rack_->value());
  t.nvlink_gbps = nvlink_->value();
  t.pcie_gbps = pcie_->value();
  t.node_link_gbps = node_link_->value();
  t.rack_uplink_gbps = uplink_->value();
  s.trace_path = trace_->text().trimmed().toStdString();
  s.trace_format = format_->currentText().toStdString();
  s.strict = strict_->isChecked();
  s.transforms.clear();
  const std::string tf = transforms_->toPlainText().trimmed().toStdString();
  if (!tf.empty()) {
    try {
      s.transforms =
          traces::parse_transforms(nlohmann::json::parse(tf), "workload.transforms", problems);
    } catch (const nlohmann::json::exception& e) {
      problems.add("workload.transforms", std::string("not valid JSON: ") + e.what());
    }
  }
  s.placement = placement_->currentText().toStdString();
  s.options.seed = static_cast<std::uint64_t>(seed_->value());
  s.options.sample_interval = sim::SimTime::from_seconds(sample_interval_->value());
  s.policies.clear();
  for (int i = 0; i < policies_->count(); ++i) {
    const QListWidgetItem* item = policies_->item(i);
    if (item->checkState() != Qt::Checked) continue;
    const std::string name = item->text().toStdString();
    const auto it = params_by_policy_.find(name);
    s.policies.push_back(
        {name, it == params_by_policy_.end() ? nlohmann::json::object() : it->second});
  }
  if (s.policies.empty()) problems.add("policies", "check at least one policy to run");
  // The cluster goes through the same parser a file would (duplicate names, ranges, ...).
  const nlohmann::json cj = scenario_file_json(s, "scenario.json")["cluster"];
  scenario::parse_cluster(cj, "cluster", problems);
  return s;
}

QString ScenarioEditor::stats_text() const {
  return stats_->toPlainText();
}

bool ScenarioEditor::set_trace(const QString& path) {
  trace_->setText(path);
  return inspect_trace();
}

bool ScenarioEditor::inspect_trace() {
  const std::string path = trace_->text().trimmed().toStdString();
  stats_->clear();
  warnings_->clear();
  detected_format_.clear();
  if (path.empty()) return false;
  QApplication::setOverrideCursor(Qt::WaitCursor);
  traces::ImportOptions opts;
  opts.strict = strict_->isChecked();
  const std::string format = format_->currentText().toStdString();
  std::optional<traces::Imported> imported;
  std::vector<sim::Problem> problems;
  try {
    imported = traces::import_trace(path, format, opts);
  } catch (const sim::InputError& e) {
    problems = e.problems();
  } catch (const std::exception& e) {
    problems.push_back({path, e.what()});
  }
  if (!imported && format == "auto") {
    // The header did not say: try each format in turn and keep the first that imports.
    for (const auto& f : traces::trace_formats()) {
      try {
        imported = f.read(path, opts);
        break;
      } catch (const std::exception&) {
      }
    }
  }
  QApplication::restoreOverrideCursor();
  if (!imported) {
    stats_->setPlainText(tr("The trace did not import."));
    show_problems(this, tr("Trace import failed"),
                  tr("%1 could not be imported as %2")
                      .arg(QString::fromStdString(path), QString::fromStdString(format)),
                  problems.empty()
                      ? std::vector<sim::Problem>{{path, "no format imports this file"}}
                      : problems);
    return false;
  }
  detected_format_ = QString::fromStdString(imported->report.format);
  sim::Problems cluster_problems;
  const scenario::Scenario s = collect(cluster_problems);
  const traces::TraceStats st = traces::inspect_workload(imported->workload, &s.cluster);

  QString text;
  auto line = [&](const QString& k, const QString& v) { text += k.leftJustified(18) + v + "\n"; };
  line(tr("Format"), detected_format_ + (format == "auto" ? tr(" (detected)") : QString()));
  line(tr("Jobs"), QString::fromStdString(reports::format_count(static_cast<double>(st.jobs))));
  line(tr("Span"), QString::fromStdString(reports::format_duration(st.span_s)));
  line(tr("GPU-hours"), QString::number(st.gpu_hours, 'f', 1));
  line(tr("Users / queues"), QStringLiteral("%1 / %2").arg(st.users).arg(st.queues));
  line(tr("Duration p50/p90"),
       QString::fromStdString(reports::format_duration(st.duration_s.p50) + " / " +
                              reports::format_duration(st.duration_s.p90)));
  if (st.failed_share)
    line(tr("Failed share"), QString::number(*st.failed_share * 100.0, 'f', 1) + "%");
  text += "\n" + tr("GPU demand per job") + "\n";
  std::uint64_t most = 1;
  for (const auto& b : st.gpu_histogram) most = std::max(most, b.jobs);
  for (const auto& b : st.gpu_histogram) {
    if (b.jobs == 0) continue;
    const int w = static_cast<int>(
        std::lround(28.0 * static_cast<double>(b.jobs) / static_cast<double>(most)));
    text += QString::fromStdString(b.label).leftJustified(14) +
            QString(std::max(1, w), QChar(0x2588)) + QStringLiteral(" %1\n").arg(b.jobs);
  }
  for (const auto& [reason, n] : imported->report.dropped)
    text += tr("\nDropped %1 row(s): %2").arg(n).arg(QString::fromStdString(reason));
  for (const auto& [reason, n] : imported->report.adjusted)
    text += tr("\nAdjusted %1 row(s): %2").arg(n).arg(QString::fromStdString(reason));
  stats_->setPlainText(text);

  QStringList warn;
  if (st.cluster) {
    const auto& c = *st.cluster;
    if (c.never_fit > 0)
      warn << tr("%1 job(s) can never fit on this cluster (e.g. %2)")
                  .arg(c.never_fit)
                  .arg(QString::fromStdString(
                      c.never_fit_examples.empty() ? std::string() : c.never_fit_examples[0]));
    for (const auto& m : c.missing_gpu_types)
      warn << tr("%1 job(s) ask for GPU type %2, which the cluster lacks")
                  .arg(m.jobs)
                  .arg(QString::fromStdString(m.name));
    if (c.peak_offered_gpus > static_cast<double>(c.capacity_gpus))
      warn << tr("offered load peaks at %1 GPUs, above the cluster's %2: expect queueing")
                  .arg(c.peak_offered_gpus, 0, 'f', 0)
                  .arg(c.capacity_gpus);
  }
  if (st.failed_share && *st.failed_share > 0.2)
    warn << tr("%1% of jobs failed in the trace (replayed as failures unless turned off)")
                .arg(*st.failed_share * 100.0, 0, 'f', 0);
  if (!imported->report.dropped.empty()) warn << tr("the importer dropped rows (see below)");
  if (warn.isEmpty()) {
    warnings_->setText(tr("<span style='color:#1a7f37'>No sanity warnings.</span>"));
  } else {
    QString html = "<span style='color:#9a6700'><b>" + tr("Warnings") + "</b><ul style='margin:0'>";
    for (const QString& w : warn) html += "<li>" + w.toHtmlEscaped() + "</li>";
    warnings_->setText(html + "</ul></span>");
  }
  return true;
}

void ScenarioEditor::on_policy_selected(QListWidgetItem* current) {
  params_status_->clear();
  if (!current) {
    params_->clear();
    return;
  }
  const auto it = params_by_policy_.find(current->text().toStdString());
  params_->setPlainText(QString::fromStdString(it == params_by_policy_.end() ? std::string("{}")
                                                                             : it->second.dump(2)));
}

bool ScenarioEditor::apply_params() {
  QListWidgetItem* item = policies_->currentItem();
  if (!item) return false;
  const std::string name = item->text().toStdString();
  std::vector<sim::Problem> problems;
  nlohmann::json params;
  try {
    const std::string text = params_->toPlainText().trimmed().toStdString();
    params = text.empty() ? nlohmann::json::object() : nlohmann::json::parse(text);
    if (!params.is_object()) throw sim::InputError(name + ".params", "must be a JSON object");
    policies::make_policy(name, params, "policy " + name);
  } catch (const sim::InputError& e) {
    problems = e.problems();
  } catch (const nlohmann::json::exception& e) {
    problems.push_back({name + ".params", std::string("not valid JSON: ") + e.what()});
  }
  if (!problems.empty()) {
    params_status_->setText("<span style='color:#cf222e'>" + tr("not applied") + "</span>");
    show_problems(this, tr("Invalid policy parameters"),
                  tr("The parameters of %1 were not applied").arg(QString::fromStdString(name)),
                  problems);
    return false;
  }
  params_by_policy_[name] = params;
  params_status_->setText("<span style='color:#1a7f37'>" + tr("applied") + "</span>");
  if (item->checkState() != Qt::Checked) item->setCheckState(Qt::Checked);
  emit changed();
  return true;
}

void ScenarioEditor::set_policy_checked(const QString& name, bool checked) {
  for (int i = 0; i < policies_->count(); ++i)
    if (policies_->item(i)->text() == name)
      policies_->item(i)->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
}

}  // namespace orrery::gui
