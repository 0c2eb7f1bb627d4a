// Default parallelism per node from the servers' CPUs and machines (parallelism.h).
#include "parallelism.h"

#include <gtest/gtest.h>

namespace shoal {
namespace {

ServerShape server(int cpus, std::optional<std::string> machine, int free_slots = 100) {
    return ServerShape{cpus, std::move(machine), free_slots};
}

// The coordinator on a machine of its own, as in production.
std::vector<int> remote(const std::vector<ServerShape> &servers) {
    return default_parallelism(servers, "coordinator");
}

TEST(DefaultParallelism, TwoConnectionsPerCpuAcrossANetwork) {
    EXPECT_EQ(remote({server(2, "a")}), std::vector<int>{4});
    EXPECT_EQ(remote({server(1, std::nullopt)}), std::vector<int>{2});
    EXPECT_EQ(default_parallelism({server(2, "a")}, std::nullopt), std::vector<int>{4});
}

TEST(DefaultParallelism, OneConnectionPerCpuOnTheCoordinatorsMachine) {
    EXPECT_EQ(default_parallelism({server(2, "here")}, "here"), std::vector<int>{2});
    // Three nodes on the coordinator's 2-CPU machine: 2 connections' worth, 1 each.
    EXPECT_EQ(
        default_parallelism({server(2, "here"), server(2, "here"), server(2, "here")}, "here"),
        (std::vector<int>{1, 1, 1}));
    // Only the node that shares the coordinator's machine.
    EXPECT_EQ(default_parallelism({server(4, "here"), server(4, "there")}, "here"),
              (std::vector<int>{4, 8}));
    // A server whose machine is unknown is never taken for the coordinator's.
    EXPECT_EQ(default_parallelism({server(2, std::nullopt)}, std::nullopt), std::vector<int>{4});
}

TEST(DefaultParallelism, ServersOnOneMachineShareItsCpus) {
    // Three nodes on one 2-CPU machine: 4 connections' worth, 1 each (4/3 rounded).
    EXPECT_EQ(remote({server(2, "m"), server(2, "m"), server(2, "m")}),
              (std::vector<int>{1, 1, 1}));
    // Two on one 4-CPU machine, a third elsewhere.
    EXPECT_EQ(remote({server(4, "m"), server(4, "m"), server(4, "other")}),
              (std::vector<int>{4, 4, 8}));
}

TEST(DefaultParallelism, UnknownMachinesAreNeverGrouped) {
    EXPECT_EQ(remote({server(2, std::nullopt), server(2, std::nullopt)}), (std::vector<int>{4, 4}));
}

TEST(DefaultParallelism, NeverAboveTenNorHalfTheFreeSlots) {
    EXPECT_EQ(remote({server(64, "big")}), std::vector<int>{10});
    EXPECT_EQ(remote({server(8, "a", 6)}), std::vector<int>{3});
}

TEST(DefaultParallelism, AlwaysAtLeastOne) {
    EXPECT_EQ(
        remote({server(1, "m"), server(1, "m"), server(1, "m"), server(1, "m"), server(1, "m")}),
        (std::vector<int>(5, 1)));
    EXPECT_EQ(remote({server(8, "a", 1)}), std::vector<int>{1});
    EXPECT_EQ(remote({server(0, "a")}), std::vector<int>{2});
}

}  // namespace
}  // namespace shoal
