#include "cli/duration.h"
#include "agent/agent.h"

#include <bpf/libbpf.h>
#include <linux/capability.h>
#include <net/if.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>

#include "accumulator/accumulator.h"
#include "accumulator/accumulator_file.h"
#include "agent/attack_log_owner.h"
#include "agent/backscatter_monitor.h"
#include "agent/pins.h"
#include "agent/privileges.h"
#include "agent/scope_guard.h"
#include "accumulator/access_status.h"
#include "agent/status_file.h"
#include "agent/write_failures.h"
#include "exposition/interface_collector.h"
#include "exposition/process_collector.h"
#include "dataplane/data_plane.h"
#include "drain/drain_clock.h"
#include "exposition/backscatter_collector.h"
#include "exposition/collector.h"
#include "backscatter/attack_json.h"
#include "buildinfo/build_info.h"
#include "geoip/geoip.h"
#include "web/listen_address.h"
#include "web/metrics_server.h"
#include "web/web_config.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

namespace darkscope {
namespace {

XdpMode parse_mode(const std::string& m) {
    if (m == "native") return XdpMode::Native;
    if (m == "generic") return XdpMode::Generic;
    return XdpMode::Auto;
}

void check_privilege() {
    __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    if (syscall(SYS_capget, &hdr, data)) return;  // let the kernel decide later
    auto has = [&](int cap) { return (data[cap / 32].effective >> (cap % 32)) & 1u; };
    if (!((has(CAP_BPF) || has(CAP_SYS_ADMIN)) && has(CAP_NET_ADMIN)))
        throw std::runtime_error(
            "not enough privilege: darkscope run needs root (CAP_BPF or CAP_SYS_ADMIN, and CAP_NET_ADMIN)");
}

bool exists(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0;
}


// Everything the agent shares between the poller (main thread) and scrapes.
struct AgentState {
    std::mutex mu;
    std::shared_ptr<GeoIp> geoip;
    std::vector<Attachment> attachments;
    double poll_seconds = 0;
    uint64_t polls = 0;
    uint64_t drained_last = 0;
    uint64_t signature_keys = 0;  // keys in the signatures map at the last poll
};

std::shared_ptr<GeoIp> open_geoip(const CommonOptions& common) {
    auto geo = std::make_shared<GeoIp>(geoip_files_or_default(common.geoip_files));
    if (!geo->has_country())
        spdlog::warn("no GeoIP country database (--geoip, or {}): every country is {}",
                     default_geoip_databases_text(), kUnknownCountry);
    for (const auto& d : geo->databases())
        spdlog::info("GeoIP {} database {} ({}, {} layout)", d.role, d.path, d.database_type, d.layout);
    return geo;
}

void poll_once(DataPlane& dp, Accumulator& acc, BackscatterMonitor& backscatter, AgentState& state) {
    const auto t0 = std::chrono::steady_clock::now();
    std::shared_ptr<GeoIp> geo;
    {
        std::lock_guard lock(state.mu);
        geo = state.geoip;
    }
    const DrainClock clock = DrainClock::wall();
    const auto country = [&geo](uint8_t family, const uint8_t* addr) { return geo->country(family, addr); };
    const std::vector<SourceEntry> entries = backscatter.poll(dp, clock, country, acc.day_of(clock.now_ns));
    // The 393,216-entry per-CPU port array is read when Prometheus scrapes (see the
    // collector below), not every poll: reading it costs about 0.2 s of CPU.
    const KernelCounters counters = dp.read_counters(/*port_stats=*/false);
    acc.update(counters);
    dp.watch_source_ports(acc.watched_source_ports());  // those admitted by now
    acc.advance_to(clock.now_ns);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::lock_guard lock(state.mu);
    state.poll_seconds = secs;
    state.polls++;
    state.drained_last = entries.size();
    state.signature_keys = counters.signatures.size();
}

}  // namespace

std::string default_sensor_name(const std::vector<std::string>& interfaces) {
    std::string name;
    for (const std::string& i : interfaces) name += (name.empty() ? "" : "_") + i;
    return name;
}

namespace {

// What run_agent settles before touching the kernel.
struct RunPlan {
    DataPlaneConfig dpc;
    AccumulatorConfig accc;
    VictimConfig victims;
    dns::BackscatterConfig dns;
    std::vector<ListenAddress> listen;
    std::string web_file;  // --web.config.file made absolute (with --user the agent changes directory)
    std::string sensor;
    WebConfig web;
    std::optional<RunAsUser> user;
    // With --user: the attack log's directory and files, given to the user before the
    // switch so that it can rotate the log (agent/attack_log_owner.h).
    std::vector<std::string> attack_log_paths;
};

// Where this sensor's pins go, and what an earlier agent left there.
struct PinPlan {
    std::string root;      // the pin root
    std::string path;      // root/sensor, for messages
    bool resumed = false;  // the sensor's maps were pinned already: continue their counts
    std::vector<bool> link_pinned_before;  // per interface
};

// Step 1: everything that can be checked without touching the kernel.
RunPlan check_options(const RunOptions& o) {
    if (o.interfaces.empty()) throw std::invalid_argument("no interface given (--interface IF)");
    for (const std::string& i : o.interfaces)
        if (!if_nametoindex(i.c_str())) throw std::runtime_error("interface '" + i + "' does not exist");
    RunPlan p;
    p.dpc = data_plane_config(o.common);
    p.dpc.pass_dark = o.pass;
    p.accc = accumulator_config(o.common);
    apply_live_backscatter_options(o.live_backscatter, p.dpc);
    p.victims = victim_config(o.backscatter, o.common, p.dpc);
    p.dns = dns_backscatter_config(o.backscatter);
    p.listen = parse_listen_addresses(o.listen_addresses);
    if (o.telemetry_path.empty() || o.telemetry_path[0] != '/')
        throw std::invalid_argument("telemetry path must begin with '/': " + o.telemetry_path);
    p.sensor = o.sensor_name.empty() ? default_sensor_name(o.interfaces) : o.sensor_name;
    const std::string& sensor = p.sensor;
    if (sensor.empty() || sensor.size() > 64 || sensor.find_first_not_of(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") != std::string::npos || sensor[0] == '.')
        throw std::invalid_argument("invalid sensor name '" + sensor + "' (letters, digits, _ . -)");
    if (!o.web_config_file.empty()) {
        p.web_file = std::filesystem::absolute(o.web_config_file).string();
        p.web = load_web_config(p.web_file);
    }
    if (!o.user.empty()) p.user = lookup_user(o.user);
    return p;
}

// Step 2: what needs privilege, still without changing anything but the working
// directory: where the pins go, what is pinned already, whether each interface is
// free and the listen address can be bound.
PinPlan check_host(const RunOptions& o, RunPlan& p) {
    check_privilege();
    if (p.user && !o.live_backscatter.attack_log.empty())  // before the chdir below, as the log was opened
        p.attack_log_paths = attack_log_paths_for_user(AttackLog::absolute_path(o.live_backscatter.attack_log),
                                                       o.live_backscatter.attack_log_max_files, *p.user);
    PinPlan pins;
    pins.root = pin_root();
    pins.path = pins.root + "/" + p.sensor;
    p.dpc.pin_dir = pins.path;
    if (p.user) {
        // The pins are reached relative to the pin root, the working directory from
        // now on: after the switch to the user, a clean stop removes them without
        // having to search /sys/fs/bpf (mode 0700 under systemd).
        if (mkdir(pins.root.c_str(), 0700) && errno != EEXIST)
            throw std::runtime_error("cannot create " + pins.root + ": " + std::strerror(errno));
        if (chdir(pins.root.c_str()))
            throw std::runtime_error("cannot enter " + pins.root + ": " + std::strerror(errno));
        p.dpc.pin_dir = p.sensor;
    }
    pins.resumed = exists(p.dpc.pin_dir);
    for (const std::string& i : o.interfaces) {
        const bool ours = exists(p.dpc.pin_dir + "/link_" + i);
        pins.link_pinned_before.push_back(ours);
        LIBBPF_OPTS(bpf_xdp_query_opts, q);
        if (!ours && bpf_xdp_query(static_cast<int>(if_nametoindex(i.c_str())), 0, &q) == 0 && q.prog_id)
            throw std::runtime_error("interface '" + i + "' already runs another XDP program (id " +
                                     std::to_string(q.prog_id) + "); detach it first (ip link set dev " + i +
                                     " xdp off)");
    }
    for (const ListenAddress& la : p.listen) check_can_listen(la);
    return pins;
}

// Blocks the signals we handle before any thread starts, so they all come here.
sigset_t block_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&signals, s);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    return signals;
}

// The listen addresses as given, for messages.
std::string listen_texts(const RunPlan& p) {
    std::string out;
    for (const ListenAddress& la : p.listen) out += (out.empty() ? "" : ", ") + la.text;
    return out;
}

// What the page at "/" says: the sensor, where it is attached, how far it got.
LandingPage landing_page(AgentState& state, const RunPlan& plan, const std::string& telemetry_path) {
    LandingPage page;
    page.version = build_info().version + " (revision: " + build_info().revision + ")";
    page.telemetry_path = telemetry_path;
    page.state.emplace_back("sensor", plan.sensor);
    std::lock_guard lock(state.mu);
    if (state.attachments.empty()) page.state.emplace_back("XDP", "not attached yet");
    for (const Attachment& a : state.attachments)
        page.state.emplace_back(a.ifname, "XDP program attached (" + a.mode + " mode)");
    page.state.emplace_back("polls of the maps", std::to_string(state.polls));
    return page;
}

// Step 3: attach to every interface, give up every capability, start the web
// server. The caller undoes the attachments if this throws.
std::unique_ptr<MetricsServer> attach_and_serve(DataPlane& dp, const RunOptions& o, const RunPlan& p,
                                                std::function<LandingPage()> landing) {
    for (const std::string& i : o.interfaces) {
        Attachment a = dp.attach(i, parse_mode(o.xdp_mode));
        if (o.xdp_mode == "auto" && a.mode == "generic")
            spdlog::warn("native XDP not available on {} ({}); attached in generic mode", i,
                         std::strerror(dp.native_fallback_error()));
        spdlog::info("attached to {} ({} mode)", i, a.mode);
    }
    // Nothing from here on needs privilege (agent/privileges.h). Capabilities
    // are per thread: drop them while this is the only one, before the web
    // server's and the DNS reader's threads start.
    if (p.user) {
        std::vector<std::string> mine = {".", p.sensor};
        for (const std::string& f : list_dir(p.sensor)) mine.push_back(p.sensor + "/" + f);
        if (mkdir(kStateRoot, 0700) && errno != EEXIST)
            throw std::runtime_error(std::string("cannot create ") + kStateRoot + ": " + std::strerror(errno));
        mine.push_back(kStateRoot);
        mine.insert(mine.end(), p.attack_log_paths.begin(), p.attack_log_paths.end());
        give_to_user(mine, *p.user);
    }
    bool low_port = false;
    std::vector<std::string> ports;
    for (const ListenAddress& la : p.listen) {
        low_port = low_port || la.port < 1024;
        ports.push_back(la.civetweb);
    }
    spdlog::info("privileges dropped ({})", drop_capabilities(low_port, p.user ? &*p.user : nullptr));
    try {
        return std::make_unique<MetricsServer>(ports, p.web, p.web_file, o.telemetry_path, landing);
    } catch (const std::exception& e) {
        throw std::runtime_error("cannot serve metrics on " + listen_texts(p) + ": " + e.what());
    }
}

// The agent's own figures continue with the pinned counts they go with; a sensor
// whose maps start afresh starts them afresh too.
void continue_accumulator(Accumulator& acc, const std::string& path, bool resumed) {
    if (!resumed) {
        unlink(path.c_str());
        return;
    }
    bool restored = false;
    const std::string said = restore_accumulator(acc, path, &restored);
    if (restored) spdlog::info("{}", said);
    else if (!said.empty()) spdlog::warn("{}", said);
}

// Step 4: waits for a signal or the next poll. Returns the signal that stops the
// agent; SIGHUP reloads GeoIP in place.
template <class Poll>
int poll_until_stopped(const sigset_t& signals, double interval_seconds, const CommonOptions& common,
                       AgentState& state, Poll poll) {
    const auto interval = std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::duration<double>(interval_seconds));
    auto next = std::chrono::steady_clock::now() + interval;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(next - std::chrono::steady_clock::now());
        if (left.count() < 0) left = std::chrono::nanoseconds(0);
        timespec ts{static_cast<time_t>(left.count() / 1000000000), static_cast<long>(left.count() % 1000000000)};
        const int sig = sigtimedwait(&signals, nullptr, &ts);
        if (sig == SIGINT || sig == SIGTERM) return sig;
        if (sig == SIGHUP) {
            try {
                auto geo = open_geoip(common);
                std::lock_guard lock(state.mu);
                state.geoip = std::move(geo);
                spdlog::info("SIGHUP: GeoIP databases reloaded");
            } catch (const std::exception& e) {
                spdlog::error("SIGHUP: keeping the previous GeoIP databases: {}", e.what());
            }
            continue;
        }
        if (sig < 0 && errno != EAGAIN) continue;  // EINTR
        poll();
        next += interval;
        if (next < std::chrono::steady_clock::now()) next = std::chrono::steady_clock::now() + interval;
    }
}

}  // namespace

void run_agent(const RunOptions& o) {
    RunPlan plan = check_options(o);
    AgentState state;
    state.geoip = open_geoip(o.common);
    // The DNS reader thread looks resolvers up in whatever GeoIP a SIGHUP last loaded.
    plan.dns.resolver_country = [&state](uint8_t family, const uint8_t* addr) {
        std::shared_ptr<GeoIp> geo;
        {
            std::lock_guard lock(state.mu);
            geo = state.geoip;
        }
        return geo->country(family, addr);
    };
    Accumulator acc(plan.accc);
    BackscatterMonitor backscatter(acc, plan.victims, plan.dns, o.live_backscatter);  // the PSL, the attack log

    const PinPlan pins = check_host(o, plan);
    const DataPlaneConfig& dpc = plan.dpc;
    const sigset_t signals = block_signals();
    if (plan.web.tls) {
        try {
            MetricsServer::check_tls(*plan.web.tls);
        } catch (const std::exception& e) {
            throw std::runtime_error("cannot serve metrics on " + listen_texts(plan) + ": " + e.what());
        }
    }

    // Load and pin; if attaching or serving fails, undo what this agent made.
    auto dp = std::make_unique<DataPlane>(dpc);
    ScopeGuard undo_start([&] {
        if (pins.resumed) {
            // Keep the previous agent's state; drop only the links made now.
            for (size_t k = 0; k < o.interfaces.size(); ++k)
                if (!pins.link_pinned_before[k]) unlink((dpc.pin_dir + "/link_" + o.interfaces[k]).c_str());
            dp->release_attachments();
        } else {
            dp->detach_all();
            dp->unpin_maps();
            rmdir(pins.root.c_str());  // only if no other sensor is pinned
        }
    });
    std::unique_ptr<MetricsServer> exposer =
        attach_and_serve(*dp, o, plan, [&state, &plan, &o] { return landing_page(state, plan, o.telemetry_path); });
    undo_start.dismiss();
    state.attachments = dp->attachments();
    spdlog::info("sensor {}: maps pinned in {}{}", plan.sensor, pins.path,
                 pins.resumed ? " (continuing the pinned counts)" : "");

    backscatter.start_dns_events(dp->dns_events_fd());
    const std::string status_path = status_file_path(plan.sensor);
    const std::string acc_path = accumulator_file_path(plan.sensor);
    WriteFailures status_writes(status_path), state_writes(acc_path);  // before the collector that reads them
    continue_accumulator(acc, acc_path, pins.resumed);
    const auto save_every = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(o.state_save_interval_seconds));
    auto last_save = std::chrono::steady_clock::now();
    const uint64_t capacity = dp->source_map_capacity();
    const uint64_t dark_count = dpc.dark_prefixes.size(), allow_count = dpc.allowed_sources.size();
    std::mutex scrape_mu;
    auto collector = std::make_shared<Collector>(
        [&] {
            std::lock_guard lock(scrape_mu);  // concurrent scrapes read the arrays once each
            acc.update(dp->read_counters());
            return acc.snapshot();
        },
        [&] {
            std::lock_guard lock(state.mu);
            AgentHealth h;
            h.attachments = state.attachments;
            h.maps = {{"sources", state.drained_last, capacity},
                      {"dark_prefixes", dark_count, DS_PREFIX_MAP_ENTRIES},
                      {"allowed_sources", allow_count, DS_PREFIX_MAP_ENTRIES},
                      {"signatures", state.signature_keys, dpc.signature_map_entries}};
            h.poll_duration_seconds = state.poll_seconds;
            h.polls = state.polls;
            h.geoip = state.geoip->databases();
            h.file_write_failures = {{"state", state_writes.total()}, {"status", status_writes.total()}};
            return h;
        },
        plan.accc.tracked_ports);
    auto backscatter_collector = std::make_shared<BackscatterCollector>([&] {
        BackscatterView v = backscatter.view();
        set_dns_event_counters(v, dp->read_stats());
        return v;
    });
    const auto poll = [&] {
        poll_once(*dp, acc, backscatter, state);
        nlohmann::json st = backscatter.status(20, 10);
        st["accesses"] = access_status(acc.summary(), 10);
        st["sensor"] = plan.sensor;
        st["updated"] = utc_time(clock_ns(CLOCK_REALTIME));
        status_writes.record(write_status_file(status_path, st));
    };
    poll();
    const auto process_collector = std::make_shared<ProcessCollector>();  // process_* (client library convention)
    exposer->serve(collector);
    exposer->serve(backscatter_collector);
    exposer->serve(process_collector);
    const auto interface_collector = std::make_shared<InterfaceCollector>(o.interfaces);  // capture loss
    exposer->serve(interface_collector);
    std::string urls;
    for (const ListenAddress& la : plan.listen)
        urls += (urls.empty() ? "" : ", ") + exposer->scheme() + "://" + la.text + o.telemetry_path;
    spdlog::info("serving metrics on {}{}", urls, plan.web.basic_auth_users.empty() ? "" : " (basic authentication)");

    const int sig = poll_until_stopped(signals, o.poll_interval_seconds, o.common, state, [&] {
        try {
            poll();
        } catch (const std::exception& e) {
            spdlog::error("poll failed: {}", e.what());
        }
        if (std::chrono::steady_clock::now() - last_save >= save_every) {
            state_writes.record(save_accumulator(acc, acc_path));
            last_save = std::chrono::steady_clock::now();
        }
    });
    spdlog::info("{}: stopping", strsignal(sig));

    // Step 5: stop serving before the data plane goes away; attacks going on end now.
    exposer.reset();
    backscatter.finish();
    unlink(status_path.c_str());
    if (o.keep_pinned) {
        dp->release_attachments();
        state_writes.record(save_accumulator(acc, acc_path));
        spdlog::info("left attached with maps pinned in {} (--keep-pinned)", pins.path);
    } else {
        unlink(acc_path.c_str());
        dp->detach_all();
        dp->unpin_maps();
        rmdir(pins.root.c_str());
        spdlog::info("detached; pins removed");
    }
}

void add_run_command(CLI::App& app) {
    auto opts = std::make_shared<RunOptions>();
    auto poll = std::make_shared<std::string>("1s");
    auto save = std::make_shared<std::string>("60s");
    CLI::App* run = app.add_subcommand("run", "Attach the sensor to interfaces and serve Prometheus metrics");
    add_config_option(*run);
    run->add_option("-i,--interface", opts->interfaces, "Interface to attach to; repeatable")
        ->delimiter(',')
        ->type_name("IF");
    add_common_options(*run, opts->common);
    add_backscatter_options(*run, opts->backscatter);
    add_live_backscatter_options(*run, opts->live_backscatter);
    run->add_option("--xdp-mode", opts->xdp_mode, "native, generic, or auto (native, else generic with a warning)")
        ->capture_default_str()
        ->check(CLI::IsMember({"native", "generic", "auto"}));
    run->add_option("--web.listen-address", opts->listen_addresses,
                    "Address of the metrics endpoint (and of its landing page, /): HOST:PORT (a host name is "
                    "resolved; its first IPv4 address, else its first IPv6 one), [IPv6]:PORT ([::]:PORT: every "
                    "IPv6 address; only with a civetweb built with IPv6, which Debian 12's is not) or :PORT (every "
                    "IPv4 address); repeatable, to listen on several")
        ->capture_default_str()
        ->type_name("ADDRESS");
    run->add_option("--web.telemetry-path", opts->telemetry_path, "Path of the metrics endpoint")
        ->capture_default_str();
    run->add_option("--web.config.file", opts->web_config_file,
                    "Web config file (Prometheus exporter-toolkit format): TLS certificate and key, "
                    "bcrypt-hashed basic authentication users. Read again on every request: user and password "
                    "changes take effect without a restart (TLS changes at the next start)")
        ->type_name("FILE");
    run->add_option("--state-save-interval", *save,
                    "How often the per-country and unique-source figures are saved for a restarted agent "
                    "(also on a stop with --keep-pinned)")
        ->capture_default_str();
    run->add_option("--poll-interval", *poll, "How often the BPF maps are read (e.g. 1s, 500ms)")
        ->capture_default_str();
    run->add_flag("--pass", opts->pass, "Count dark packets but pass them on instead of dropping them");
    run->add_option("--sensor-name", opts->sensor_name,
                    std::string("Name of this sensor: maps are pinned in ") + kPinRoot +
                        "/NAME (default: the interface names joined by _)");
    run->add_flag("--keep-pinned", opts->keep_pinned,
                  "On SIGINT/SIGTERM leave the program attached and the maps pinned, so a restarted agent "
                  "continues the counts with no gap");
    run->add_option("--user", opts->user,
                    "Once attached, switch to this user (its pins and /run/darkscope are given to it)")
        ->type_name("NAME");
    run->callback([opts, poll, save] {
        opts->poll_interval_seconds = parse_duration_ns(*poll, "--poll-interval", {10 * kMillisecondNs, kHourNs}) / 1e9;
        opts->state_save_interval_seconds =
            parse_duration_ns(*save, "--state-save-interval", {10 * kMillisecondNs, kDayNs}) / 1e9;
        run_agent(*opts);
    });
}

}  // namespace darkscope
