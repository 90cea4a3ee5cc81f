// The tsan suite's main: the run controller's tests need a Qt event loop (QCoreApplication only:
// the controller uses Qt Core, never widgets).
#include <gtest/gtest.h>

#include <QCoreApplication>

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
