# Trace importers: rows per second for every format (bench_traces.cpp). Included from
# bench/CMakeLists.txt. Target: orrery_bench_traces (run it from a Release build).
find_package(benchmark REQUIRED)
find_package(nlohmann_json REQUIRED)
add_executable(orrery_bench_traces ${CMAKE_CURRENT_LIST_DIR}/bench_traces.cpp)
target_link_libraries(orrery_bench_traces PRIVATE orrery_traces nlohmann_json::nlohmann_json
                      benchmark::benchmark orrery_warnings)
target_compile_definitions(orrery_bench_traces PRIVATE ORRERY_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
