# bench/policies.cmake, included from bench/CMakeLists.txt: the decision cost of every registered
# policy with 10,000 GPUs and 10,000 pending jobs (bench_policies.cpp). Target:
#   orrery_bench_policies   (run it from a Release build, single thread)
find_package(benchmark REQUIRED)
add_executable(orrery_bench_policies ${CMAKE_CURRENT_LIST_DIR}/bench_policies.cpp)
target_link_libraries(orrery_bench_policies PRIVATE orrery_policies orrery_sim
                      benchmark::benchmark orrery_warnings)
