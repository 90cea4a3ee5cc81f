# Production scheduler models: decision cost of one pass at 10,000 GPUs and 10,000 pending jobs.
# Included from bench/CMakeLists.txt: include(${CMAKE_CURRENT_SOURCE_DIR}/production.cmake)
find_package(benchmark REQUIRED)
add_executable(orrery_bench_production ${CMAKE_CURRENT_LIST_DIR}/bench_production.cpp)
target_link_libraries(orrery_bench_production PRIVATE orrery_policies orrery_sim
                      benchmark::benchmark benchmark::benchmark_main orrery_warnings)
