// Times METRICS.md §6 on a study's pairs.csv: api::agree end to end (reading
// every file included), and the statistics alone on nights already loaded
// (pairing, epoch alignment, per-pair statistics, metrics, the group with its
// bootstrap). Best of --repeats; prints JSON. bench_agree.py drives it.
//
//   bench_agree pairs.csv [--resamples 2000] [--repeats 5]
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "sleeparch/agreement.hpp"
#include "sleeparch/api.hpp"

using namespace sleeparch;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: bench_agree pairs.csv [--resamples N] [--repeats N]\n";
        return 2;
    }
    const std::string csv = argv[1];
    api::AgreeOptions opt;
    int repeats = 5;
    for (int i = 2; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--resamples") opt.resamples = std::strtoull(argv[i + 1], nullptr, 10);
        else if (a == "--repeats") repeats = std::atoi(argv[i + 1]);
    }
    try {
        const std::vector<api::AgreeInput> inputs = api::read_agree_pairs(csv);
        double best_total = 1e300, best_stats = 1e300, best_total_cpu = 1e300;
        std::size_t pairs = 0, epochs = 0;
        // The nights once, for the statistics-only timing.
        std::vector<api::Session> refs, devs;
        for (const api::AgreeInput& in : inputs) {
            api::LoadOptions lo = opt.load;
            lo.paths = {in.reference};
            refs.push_back(api::load(lo));
            lo.paths = {in.device};
            devs.push_back(api::load(lo));
        }
        for (int r = 0; r < repeats; ++r) {
            auto t0 = std::chrono::steady_clock::now();
            const std::clock_t c0 = std::clock();
            const api::AgreeResult res = api::agree(inputs, opt);
            best_total = std::min(best_total, seconds_since(t0));
            // CPU seconds of all threads: the wall time on a shared machine says little.
            best_total_cpu = std::min(best_total_cpu, static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
            pairs = res.result.pairs.size();

            t0 = std::chrono::steady_clock::now();
            AgreementResult ar;
            ar.options.resamples = opt.resamples;
            ar.options.seed = opt.seed;
            for (std::size_t i = 0; i < inputs.size(); ++i) {
                const NightPairing p = pair_by_overlap(refs[i].nights, devs[i].nights);
                for (const auto& [ri, di] : p.pairs)
                    ar.pairs.push_back(agree_pair(inputs[i].id, refs[i].nights[ri], compute_metrics(refs[i].nights[ri]),
                                                  devs[i].nights[di], compute_metrics(devs[i].nights[di])));
            }
            ar.group = agreement_group(ar.pairs, ar.options);
            best_stats = std::min(best_stats, seconds_since(t0));
            epochs = 0;
            for (const AgreementPair& p : ar.pairs) epochs += static_cast<std::size_t>(p.alignment.epochs);
        }
        nlohmann::json out = {{"pairs", pairs},           {"epochs", epochs},
                              {"resamples", opt.resamples}, {"api_agree_s", best_total}, {"api_agree_cpu_s", best_total_cpu},
                              {"statistics_s", best_stats}, {"repeats", repeats}};
        std::cout << out.dump() << "\n";
    } catch (const std::exception& e) {
        std::cerr << "bench_agree: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
