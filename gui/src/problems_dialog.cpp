#include "problems_dialog.hpp"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace orrery::gui {

ProblemsDialog::ProblemsDialog(const QString& title, const QString& intro,
                               const std::vector<sim::Problem>& problems, QWidget* parent)
    : QDialog(parent), problems_(problems) {
  setObjectName(kObjectName);
  setWindowTitle(title);
  auto* layout = new QVBoxLayout(this);
  auto* label = new QLabel(intro + QStringLiteral(" (%1 problem%2)")
                                       .arg(problems.size())
                                       .arg(problems.size() == 1 ? "" : "s"),
                           this);
  label->setWordWrap(true);
  layout->addWidget(label);
  auto* tree = new QTreeWidget(this);
  tree->setObjectName("problemList");
  tree->setColumnCount(2);
  tree->setHeaderLabels({tr("Where"), tr("Problem")});
  tree->setRootIsDecorated(false);
  tree->setAlternatingRowColors(true);
  tree->setWordWrap(true);
  for (const sim::Problem& p : problems) {
    auto* item = new QTreeWidgetItem(tree);
    item->setText(0, QString::fromStdString(p.where));
    item->setText(1, QString::fromStdString(p.what));
    item->setToolTip(0, QString::fromStdString(p.where));
    item->setToolTip(1, QString::fromStdString(p.what));
  }
  tree->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
  tree->header()->setStretchLastSection(true);
  layout->addWidget(tree);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  auto* copy = buttons->addButton(tr("Copy all"), QDialogButtonBox::ActionRole);
  connect(copy, &QPushButton::clicked, this, [this] {
    QString text;
    for (const sim::Problem& p : problems_) text += QString::fromStdString(p.to_string()) + "\n";
    QApplication::clipboard()->setText(text);
  });
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  layout->addWidget(buttons);
  resize(760, 360);
}

ProblemsDialog* show_problems(QWidget* parent, const QString& title, const QString& intro,
                              const std::vector<sim::Problem>& problems) {
  auto* d = new ProblemsDialog(title, intro, problems, parent);
  d->setAttribute(Qt::WA_DeleteOnClose);
  d->open();
  return d;
}

}  // namespace orrery::gui
