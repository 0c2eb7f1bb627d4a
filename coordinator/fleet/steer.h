// Steering the fleet from the command line: `shoal pause`, `resume` and
// `cancel` act on every node at once (shoal.pause() / resume() / cancel(), each
// change recorded on the node with the role, the time and the reason), and
// what status and apply say about a paused or cancelled fleet. A run holds
// while any node of its fleet is paused and ends when one is cancelled
// (driver.h): only the coordinator sees the fleet, so these commands are how a
// fleet is steered; shoal.resume() in psql resumes one node. Reads and writes
// nothing but shoal.control (and its events).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config.h"
#include "fleet/node.h"
#include "fleet/progress.h"
#include "json.h"

namespace shoal::fleet {

// One node's steering, as shoal.control_state() gives it.
struct Steering {
    std::string state;   // running, paused, cancelled
    std::string by;      // the role that set it
    std::string since;   // when, ISO 8601 UTC
    std::string reason;  // "" when none was given
    std::string run;     // the holder of the run in progress, "" when none
};

// Every node's steering, one round; nullopt where it could not be read.
std::vector<std::optional<Steering>> read_steering(std::vector<Node *> nodes);

// "running", or "paused by ROLE since T: REASON" (as cancelled).
std::string format_steering(const Steering &steering);
// {"state", "by", "since", "reason"}; null values where there are none.
Json steering_json(const std::optional<Steering> &steering);

// Says at once, through `progress`, where the fleet is paused: an apply
// started on a paused fleet waits, and must say why before it waits.
void announce_pause(const std::vector<Node *> &nodes, Progress &progress);

// `shoal pause|resume|cancel [--reason TEXT] [--dry-run] [--json]`; returns the
// exit code.
int run_steering_command(const Config &config);

}  // namespace shoal::fleet
