// Loads a plain hypnogram through the installed library API and prints what
// the install test checks: the night count and the metrics of the night.
#include <cstdio>
#include <exception>

#include <sleeparch/api.hpp>

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    try {
        sleeparch::api::LoadOptions opt;
        opt.paths = {argv[1]};
        opt.tz = "Europe/Berlin";
        const sleeparch::api::Session s = sleeparch::api::load(opt);
        std::printf("version %s nights %zu\n", std::string(sleeparch::api::version()).c_str(), s.nights.size());
        for (std::size_t i = 0; i < s.nights.size(); ++i)
            std::printf("tst_min %.1f se_pct %.1f utc_offset_min %d\n", s.metrics[i].tst_min, s.metrics[i].se_pct,
                        s.nights[i].utc_offset_min);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    return 0;
}
