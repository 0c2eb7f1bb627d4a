// Canary and waves: which schemas of a plan run in which wave, and when a run
// must halt between waves. A pure function of the plan (no I/O, no clock), so
// the split is unit-tested and the driver only runs wave after wave, each to
// completion. Schemas are taken round-robin over the nodes (node 1's first,
// node 2's first, …, node 1's second, …), so a canary or a small wave touches
// every node instead of the first one's schemas only.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "plan.h"

namespace shoal {

// --max-failures: K schemas, or P percent of the schemas the waves so far ran.
struct FailureLimit {
    long count = 0;        // with !percent: more than `count` failed schemas halt the run
    bool percent = false;  // `count` is a percentage
};

// "K" or "P%"; nullopt (and `error` set) for anything else.
std::optional<FailureLimit> parse_failure_limit(const std::string &text, std::string &error);

// "1,10,50,100": ascending percentages in 1..100; the last wave is 100 whether
// listed or not. Empty (and `error` set) for anything else.
std::vector<int> parse_wave_percents(const std::string &text, std::string &error);

// True when `failed` of `ran` schemas is more than `limit` allows.
bool exceeds(const FailureLimit &limit, size_t failed, size_t ran);

struct WaveOptions {
    int canary = 0;             // schemas in wave 0; 0: no canary
    std::vector<int> percents;  // cumulative percentages of all schemas; empty: one wave
    std::vector<std::string> canary_schemas;  // --canary NAMES: wave 0 is exactly these
};

struct Waves {
    // of[n][s]: the wave of plan.nodes[n].schemas[s].
    std::vector<std::vector<size_t>> of;
    // Per wave, for people: "canary", "wave 1 (10%)", …; and how many schemas.
    std::vector<std::string> labels;
    std::vector<size_t> sizes;
    bool has_canary = false;  // wave 0 is the canary: any failure in it halts the run
};

// Splits the schemas of `plan` into waves: the canary first (`canary` schemas,
// round-robin over the nodes, or those named in `canary_schemas`, on every node
// that has them), then each percentage's share of all schemas,
// cumulatively (10% then 50% means the next 40%). Waves that would be empty are
// left out. Without options, everything is one wave.
Waves plan_waves(const Plan &plan, const WaveOptions &options);

}  // namespace shoal
