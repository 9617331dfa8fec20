// stats_reference: exposes the comparison's numerical core to the Python
// reference tests (tests/python/test_comparison_reference.py), which check it
// against statsmodels and arch.
//
//   stats_reference ols MAXLAGS < rows.csv     # each row: y,x1,...,xk
//   stats_reference block < values.txt        # one value per line
//   stats_reference bootstrap B SEED BLOCK < values.txt
//   stats_reference lrv LAGS < values.txt     # prewhitened long-run variance
//
// Prints JSON on stdout; exits 1 with a message on bad input.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sleeparch/random.hpp"
#include "sleeparch/stats.hpp"

namespace {

std::vector<std::vector<double>> read_rows() {
    std::vector<std::vector<double>> rows;
    std::string line;
    while (std::getline(std::cin, line)) {
        if (line.empty()) continue;
        std::vector<double> row;
        std::stringstream ss(line);
        std::string cell;
        while (std::getline(ss, cell, ',')) row.push_back(std::stod(cell));
        rows.push_back(std::move(row));
    }
    return rows;
}

nlohmann::json vec(const Eigen::VectorXd& v) {
    nlohmann::json a = nlohmann::json::array();
    for (Eigen::Index i = 0; i < v.size(); ++i) a.push_back(v(i));
    return a;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const std::string mode = argc > 1 ? argv[1] : "";
        if (mode == "ols" && argc == 3) {
            const int maxlags = std::atoi(argv[2]);
            const auto rows = read_rows();
            if (rows.empty() || rows[0].size() < 2) throw std::runtime_error("need rows y,x1,...");
            const auto n = static_cast<Eigen::Index>(rows.size());
            const auto k = static_cast<Eigen::Index>(rows[0].size() - 1);
            Eigen::MatrixXd X(n, k);
            Eigen::VectorXd y(n);
            for (Eigen::Index i = 0; i < n; ++i) {
                if (static_cast<Eigen::Index>(rows[i].size()) != k + 1) throw std::runtime_error("ragged rows");
                y(i) = rows[i][0];
                for (Eigen::Index j = 0; j < k; ++j) X(i, j) = rows[i][j + 1];
            }
            const auto r = sleeparch::ols_hac(X, y, maxlags);
            if (!r.ok) throw std::runtime_error("singular design");
            nlohmann::json o = {{"beta", vec(r.beta)}, {"se", vec(r.se)}, {"p", vec(r.p)},
                                {"df", r.df}, {"maxlags", r.maxlags}};
            std::cout << o.dump() << "\n";
            return 0;
        }
        if (mode == "diff" && argc == 3) {
            // The comparison's estimator: the first N_B values are the baseline.
            std::vector<double> x;
            for (const auto& row : read_rows())
                if (!row.empty()) x.push_back(row[0]);
            const auto nb = std::min<std::size_t>(std::strtoull(argv[2], nullptr, 10), x.size());
            const auto t = sleeparch::diff_of_means_test(std::span<const double>(x).first(nb),
                                                         std::span<const double>(x).subspan(nb));
            std::cout << nlohmann::json({{"diff", t.diff}, {"se", t.se}, {"df", t.df}, {"ci_low", t.ci_low},
                                         {"ci_high", t.ci_high}, {"p", t.p}, {"mde", t.mde}})
                             .dump()
                      << "\n";
            return 0;
        }
        if ((mode == "block" && argc == 2) || (mode == "bootstrap" && argc == 5) || (mode == "lrv" && argc == 3)) {
            std::vector<double> x;
            for (const auto& row : read_rows())
                if (!row.empty()) x.push_back(row[0]);
            if (mode == "block") {
                std::cout << nlohmann::json({{"block_length", sleeparch::optimal_block_length(x)},
                                             {"lag1", sleeparch::lag1_autocorrelation(x)}})
                                 .dump()
                          << "\n";
                return 0;
            }
            if (mode == "lrv") {
                std::cout << nlohmann::json({{"lrv", sleeparch::long_run_variance(x, std::atoi(argv[2]))}}).dump()
                          << "\n";
                return 0;
            }
            const auto B = std::strtoull(argv[2], nullptr, 10);
            sleeparch::Xoshiro256ss rng(std::strtoull(argv[3], nullptr, 10));
            const sleeparch::StationaryBootstrap sb(x, std::atof(argv[4]));
            nlohmann::json means = nlohmann::json::array();
            for (unsigned long long b = 0; b < B; ++b) means.push_back(sb.resample_mean(rng));
            std::cout << nlohmann::json({{"means", means}}).dump() << "\n";
            return 0;
        }
        std::cerr << "usage: stats_reference ols MAXLAGS | block | bootstrap B SEED BLOCK | lrv LAGS | diff N_B  (data on stdin)\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "stats_reference: " << e.what() << "\n";
        return 1;
    }
}
