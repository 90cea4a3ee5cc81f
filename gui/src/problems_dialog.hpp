// Shows every problem of a bad input (sim::InputError::problems()) with its location, in a
// window-modal dialog opened with open() (never exec(), so nothing blocks and tests can find it
// among QApplication::topLevelWidgets() by its object name).
#pragma once

#include <QDialog>
#include <QString>
#include <vector>

#include "orrery/sim/problems.hpp"

namespace orrery::gui {

class ProblemsDialog : public QDialog {
  Q_OBJECT
 public:
  static constexpr const char* kObjectName = "orreryProblemsDialog";

  ProblemsDialog(const QString& title, const QString& intro,
                 const std::vector<sim::Problem>& problems, QWidget* parent = nullptr);
  const std::vector<sim::Problem>& problems() const { return problems_; }

 private:
  std::vector<sim::Problem> problems_;
};

// Creates the dialog (deleted on close) and opens it without blocking.
ProblemsDialog* show_problems(QWidget* parent, const QString& title, const QString& intro,
                              const std::vector<sim::Problem>& problems);

}  // namespace orrery::gui
