// Android Health Connect export: `Health Connect.zip` holding
// `health_connect_export.db`, a SQLite copy of the platform database
// (FORMATS.md "Android Health Connect export").
//
// Sessions come from `sleep_session_record_table` (epoch-ms times, zone
// offsets in seconds), stages from `sleep_stages_table` joined on
// `parent_key` = session `row_id` (LEFT JOIN: a session may have none; stage
// rows are not in time order). Stage codes (SleepSessionRecord.StageType):
// 0 unknown → Unscored, 1 awake → Wake, 2 sleeping → Asleep, 3 awake out of
// bed → Wake, 4 light → Light, 5 deep → Deep, 6 REM → REM, 7 awake in bed →
// Wake; any other code is a ParseError naming the session. A session with
// stages gives an in-bed record over its bounds plus its stages; a session
// without stages is sleep the app did not stage, so its bounds become one
// Asleep record. Every record keeps the session's start offset, and the
// session its `row_id`. One source per writing app (`application_info_table`
// app name, else the package name).
//
// The database comes from a phone but may come from anyone, so it is
// treated as hostile (SQLite's "Defense against the dark arts"): the bytes
// are copied to a private temporary file opened read-only, with
// SQLITE_DBCONFIG_DEFENSIVE, trusted_schema off, triggers and views off, no
// extension loading and small length limits; `PRAGMA quick_check` must pass,
// and only the named tables (real tables, not views) and columns are queried,
// each checked first, a missing one being a ParseError naming it.
#include <sqlite3.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sleeparch/error.hpp"
#include "sleeparch/importers/health_connect.hpp"
#include "sleeparch/importers/import.hpp"
#include "sleeparch/time.hpp"
#include "sleeparch/vitals.hpp"

namespace sleeparch::importers {

namespace {

constexpr std::string_view kSqliteMagic{"SQLite format 3\0", 16};
constexpr std::string_view kEntryName = "health_connect_export.db";
constexpr std::string_view kSessions = "sleep_session_record_table";
constexpr std::string_view kStages = "sleep_stages_table";
constexpr std::string_view kApps = "application_info_table";
constexpr std::int64_t kMaxOffsetS = 18 * 3600;

// The database's bytes in a private temporary file, removed with the object.
class TempCopy {
public:
    TempCopy(std::string_view bytes, const std::string& display_name) {
        std::string pattern = (std::filesystem::temp_directory_path() / "sleeparch-hc-XXXXXX").string();
        const int fd = ::mkstemp(pattern.data());
        if (fd < 0) throw IoError(display_name, std::string("cannot create a temporary copy: ") + std::strerror(errno));
        path_ = pattern;
        std::size_t done = 0;
        while (done < bytes.size()) {
            const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                const int err = errno;
                ::close(fd);
                throw IoError(display_name, std::string("cannot write a temporary copy: ") + std::strerror(err));
            }
            done += static_cast<std::size_t>(n);
        }
        ::close(fd);
    }
    ~TempCopy() { std::remove(path_.c_str()); }
    TempCopy(const TempCopy&) = delete;
    TempCopy& operator=(const TempCopy&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

class Statement;

// A read-only, defensive connection to an untrusted database file.
class Database {
public:
    Database(const std::string& path, std::string display_name) : name_(std::move(display_name)) {
        const int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
        if (rc != SQLITE_OK) fail("open", rc);
        sqlite3_db_config(db_, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
        sqlite3_db_config(db_, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
        sqlite3_db_config(db_, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, nullptr);
        sqlite3_db_config(db_, SQLITE_DBCONFIG_ENABLE_VIEW, 0, nullptr);
        sqlite3_db_config(db_, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, nullptr);
        sqlite3_limit(db_, SQLITE_LIMIT_LENGTH, 1'000'000);
        sqlite3_limit(db_, SQLITE_LIMIT_SQL_LENGTH, 100'000);
        sqlite3_limit(db_, SQLITE_LIMIT_COLUMN, 200);
        sqlite3_limit(db_, SQLITE_LIMIT_EXPR_DEPTH, 20);
        sqlite3_limit(db_, SQLITE_LIMIT_COMPOUND_SELECT, 3);
        sqlite3_limit(db_, SQLITE_LIMIT_VDBE_OP, 25'000);
        sqlite3_limit(db_, SQLITE_LIMIT_FUNCTION_ARG, 8);
        sqlite3_limit(db_, SQLITE_LIMIT_ATTACHED, 0);
        sqlite3_limit(db_, SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 50);
        sqlite3_limit(db_, SQLITE_LIMIT_VARIABLE_NUMBER, 10);
        sqlite3_limit(db_, SQLITE_LIMIT_TRIGGER_DEPTH, 1);
        exec("PRAGMA trusted_schema = OFF");
        exec("PRAGMA cell_size_check = ON");
        exec("PRAGMA mmap_size = 0");
    }
    ~Database() { sqlite3_close_v2(db_); }
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    [[noreturn]] void fail(std::string_view what, int rc) const {
        const char* msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        throw ParseError(name_, std::string(), std::string(what),
                         std::string("SQLite: ") + (msg ? msg : sqlite3_errstr(rc)));
    }
    void exec(const char* sql) {
        const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
        if (rc != SQLITE_OK) fail(sql, rc);
    }
    sqlite3* handle() const { return db_; }
    const std::string& name() const { return name_; }

    // True when `table` exists as a real table.
    bool has_table(std::string_view table);
    // The table's column names; ParseError when it is missing.
    void require(std::string_view table, std::initializer_list<std::string_view> columns);
    // The damaged-file check SQLite recommends before reading an untrusted
    // database.
    void quick_check();

private:
    sqlite3* db_ = nullptr;
    std::string name_;
};

class Statement {
public:
    Statement(Database& db, const std::string& sql) : db_(db) {
        const int rc = sqlite3_prepare_v2(db.handle(), sql.c_str(), -1, &stmt_, nullptr);
        if (rc != SQLITE_OK) db.fail(sql, rc);
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    void bind(int i, std::string_view text) {
        sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    }
    // Next row; false at the end.
    bool step() {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        db_.fail("query", rc);
    }
    bool is_null(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }
    int type(int c) const { return sqlite3_column_type(stmt_, c); }
    std::int64_t integer(int c) const { return sqlite3_column_int64(stmt_, c); }
    double real(int c) const { return sqlite3_column_double(stmt_, c); }
    std::string text(int c) const {
        const unsigned char* p = sqlite3_column_text(stmt_, c);
        return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, c)))
                 : std::string();
    }
    std::string_view blob(int c) const {
        const void* p = sqlite3_column_blob(stmt_, c);
        return p ? std::string_view(static_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, c)))
                 : std::string_view();
    }

private:
    Database& db_;
    sqlite3_stmt* stmt_ = nullptr;
};

bool Database::has_table(std::string_view table) {
    Statement q(*this, "SELECT type FROM sqlite_master WHERE name = ?1");
    q.bind(1, table);
    return q.step() && q.text(0) == "table";
}

void Database::require(std::string_view table, std::initializer_list<std::string_view> columns) {
    if (!has_table(table)) {
        throw ParseError(name_, std::string(), "table " + std::string(table),
                         "missing: not a Health Connect export (or a schema this version does not know)");
    }
    Statement q(*this, "SELECT name FROM pragma_table_info(?1)");
    q.bind(1, table);
    std::vector<std::string> have;
    while (q.step()) have.push_back(q.text(0));
    for (std::string_view c : columns) {
        if (std::find(have.begin(), have.end(), c) == have.end()) {
            throw ParseError(name_, std::string(), std::string(table) + "." + std::string(c), "missing column");
        }
    }
}

void Database::quick_check() {
    Statement q(*this, "PRAGMA quick_check");
    if (!q.step()) throw ParseError(name_, std::string(), "PRAGMA quick_check", "no result");
    const std::string result = q.text(0);
    if (result != "ok") throw ParseError(name_, std::string(), "PRAGMA quick_check", "damaged database: " + result);
}

void require_sqlite(std::string_view bytes, const std::string& display_name) {
    if (bytes.substr(0, kSqliteMagic.size()) != kSqliteMagic) {
        throw ParseError(display_name, std::string(), "header", "not a SQLite database (no \"SQLite format 3\" header)");
    }
}

std::string hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
    }
    return out;
}

std::optional<Stage> health_connect_stage(std::int64_t code) {
    switch (code) {
        case 0: return Stage::Unscored;
        case 1: return Stage::Wake;
        case 2: return Stage::Asleep;
        case 3: return Stage::Wake;
        case 4: return Stage::Light;
        case 5: return Stage::Deep;
        case 6: return Stage::REM;
        case 7: return Stage::Wake;
        default: return std::nullopt;
    }
}

// App names by application_info_table row_id.
std::map<std::int64_t, std::string> app_names(Database& db) {
    db.require(kApps, {"row_id", "package_name", "app_name"});
    std::map<std::int64_t, std::string> names;
    Statement q(db, "SELECT row_id, package_name, app_name FROM application_info_table");
    while (q.step()) {
        std::string name = q.text(2);
        if (name.empty()) name = q.text(1);
        names[q.integer(0)] = name;
    }
    return names;
}

std::string app_of(const std::map<std::int64_t, std::string>& apps, std::int64_t id) {
    auto it = apps.find(id);
    return it != apps.end() && !it->second.empty() ? it->second : "app " + std::to_string(id);
}

std::vector<HealthConnectSample> read_samples(Database& db, std::string_view table, std::string_view value,
                                              const std::map<std::int64_t, std::string>& apps);
void add_vitals(Database& db, const std::map<std::int64_t, std::string>& apps, const std::string& display_name,
                ImportBatch& out);

class HealthConnectImporter final : public Importer {
public:
    std::string_view id() const override { return "health_connect"; }
    std::string_view description() const override {
        return "Android Health Connect export (Health Connect.zip: health_connect_export.db): sleep "
               "sessions and stages, one source per writing app";
    }
    std::string_view recognition() const override {
        return "SQLite database (\"SQLite format 3\" header) with sleep_session_record_table, or named "
               "health_connect_export.db";
    }
    bool recognises(std::string_view name, std::string_view head) const override {
        if (head.substr(0, kSqliteMagic.size()) != kSqliteMagic) return false;
        return name == kEntryName || head.find(kSessions) != std::string_view::npos;
    }

    void read(ByteSource& source, const std::string& display_name, const ImportOptions&,
              ImportBatch& out) const override {
        std::optional<TempCopy> copy;
        {
            const std::string bytes = read_all(source);
            require_sqlite(bytes, display_name);
            copy.emplace(bytes, display_name);
        }
        Database db(copy->path(), display_name);
        db.quick_check();
        db.require(kSessions, {"row_id", "uuid", "app_info_id", "start_time", "end_time", "start_zone_offset",
                               "end_zone_offset", "last_modified_time"});
        db.require(kStages, {"parent_key", "stage_start_time", "stage_end_time", "stage_type"});
        const auto apps = app_names(db);
        const std::uint32_t file_index = out.add_file(display_name);

        std::map<std::int64_t, int> source_of_app;
        auto source_for = [&](std::int64_t app) {
            auto it = source_of_app.find(app);
            if (it != source_of_app.end()) return it->second;
            Source src;
            src.format = std::string(id());
            src.name = app_of(apps, app);
            const int index = out.add_source(src);
            source_of_app.emplace(app, index);
            return index;
        };

        {
            // One allocation for the records instead of a doubling vector:
            // peak memory stays near the records' own size (capped: the
            // counts come from an untrusted file).
            Statement count(db,
                            "SELECT (SELECT count(*) FROM sleep_session_record_table) + "
                            "(SELECT count(*) FROM sleep_stages_table)");
            if (count.step()) {
                const std::int64_t n = std::clamp<std::int64_t>(count.integer(0), 0, 4'000'000);
                out.records.reserve(out.records.size() + static_cast<std::size_t>(n));
            }
        }
        Statement q(db,
                    "SELECT s.row_id, s.uuid, s.app_info_id, s.start_time, s.end_time, s.start_zone_offset, "
                    "s.last_modified_time, st.stage_start_time, st.stage_end_time, st.stage_type "
                    "FROM sleep_session_record_table AS s "
                    "LEFT JOIN sleep_stages_table AS st ON st.parent_key = s.row_id "
                    "ORDER BY s.row_id");
        std::size_t no_offset = 0, empty_stages = 0;
        std::optional<std::int64_t> current;
        std::int64_t session_start = 0, session_end = 0;
        std::int32_t offset_min = 0;
        int source_index = 0;
        UtcSeconds created = 0;
        std::string session, uuid;
        bool has_stages = false;
        std::size_t in_bed = 0;  // index of the session's first record

        auto location = [&](std::int64_t row) {
            return std::string(kSessions) + " row_id " + std::to_string(row);
        };
        auto finish = [&] {
            // Without stages the session is unstaged sleep.
            if (current && !has_stages) {
                out.records[in_bed].kind = RecordKind::Stage;
                out.records[in_bed].stage = Stage::Asleep;
            }
        };
        while (q.step()) {
            const std::int64_t row = q.integer(0);
            if (!current || *current != row) {
                finish();
                current = row;
                has_stages = false;
                for (int c : {3, 4}) {
                    if (q.type(c) != SQLITE_INTEGER) {
                        throw ParseError(display_name, location(row), c == 3 ? "start_time" : "end_time",
                                         "expected epoch milliseconds");
                    }
                }
                session_start = q.integer(3);
                session_end = q.integer(4);
                if (session_end <= session_start) {
                    throw ParseError(display_name, location(row), "end_time " + std::to_string(session_end),
                                     "not after start_time " + std::to_string(session_start));
                }
                if (q.is_null(5)) {
                    ++no_offset;
                    offset_min = 0;
                } else {
                    const std::int64_t off = q.integer(5);
                    if (q.type(5) != SQLITE_INTEGER || off < -kMaxOffsetS || off > kMaxOffsetS) {
                        throw ParseError(display_name, location(row), "start_zone_offset " + q.text(5),
                                         "expected seconds between -64800 and 64800");
                    }
                    offset_min = static_cast<std::int32_t>(off / 60);
                }
                source_index = source_for(q.integer(2));
                created = q.is_null(6) ? 0 : q.integer(6) / 1000;
                session = "hc:" + std::to_string(row);
                uuid = hex(q.blob(1));
                Record r;
                r.start = session_start / 1000;
                r.end = std::max<UtcSeconds>(r.start + 1, session_end / 1000);
                r.kind = RecordKind::InBed;
                r.utc_offset_min = offset_min;
                r.source = source_index;
                r.session = session;
                r.created = created;
                r.file = file_index;
                r.line = static_cast<std::uint32_t>(std::clamp<std::int64_t>(row, 0, UINT32_MAX));
                r.id = uuid;
                in_bed = out.records.size();
                out.records.push_back(std::move(r));
            }
            if (q.is_null(9)) continue;  // the LEFT JOIN's row for a session without stages
            // Built only for an error: one string per stage row was most of the loop.
            auto where = [&] { return location(row) + " stage"; };
            if (q.type(7) != SQLITE_INTEGER || q.type(8) != SQLITE_INTEGER) {
                throw ParseError(display_name, where(), "stage_start_time/stage_end_time", "expected epoch milliseconds");
            }
            const std::int64_t code = q.integer(9);
            const auto stage = health_connect_stage(code);
            if (q.type(9) != SQLITE_INTEGER || !stage) {
                throw ParseError(display_name, where(), "stage_type " + q.text(9),
                                 "unknown stage (expected 0 unknown, 1 awake, 2 sleeping, 3 out of bed, 4 light, "
                                 "5 deep, 6 REM, 7 awake in bed)");
            }
            const std::int64_t a = q.integer(7), b = q.integer(8);
            if (b < a) {
                throw ParseError(display_name, where(), "stage_end_time " + std::to_string(b),
                                 "before stage_start_time " + std::to_string(a));
            }
            Record r;
            r.start = a / 1000;
            r.end = b / 1000;
            if (r.end <= r.start) {
                ++empty_stages;
                continue;
            }
            has_stages = true;
            r.kind = RecordKind::Stage;
            r.stage = *stage;
            r.utc_offset_min = offset_min;
            r.source = source_index;
            r.session = session;
            r.created = created;
            r.file = file_index;
            r.line = out.records[in_bed].line;
            out.records.push_back(std::move(r));
        }
        finish();
        if (no_offset > 0) {
            out.warnings.push_back(Warning{display_name, 0,
                                           std::to_string(no_offset) + " session" + (no_offset == 1 ? "" : "s") +
                                               " without start_zone_offset read as UTC"});
        }
        if (empty_stages > 0) {
            out.warnings.push_back(Warning{display_name, 0,
                                           std::to_string(empty_stages) + " stage" +
                                               (empty_stages == 1 ? "" : "s") + " shorter than a second skipped"});
        }
        add_vitals(db, apps, display_name, out);
    }
};

std::vector<HealthConnectSample> read_samples(Database& db, std::string_view table, std::string_view value,
                                              const std::map<std::int64_t, std::string>& apps) {
    db.require(table, {"row_id", "app_info_id", "time", "zone_offset", "local_date", value});
    const std::string sql = "SELECT row_id, app_info_id, time, zone_offset, local_date, " + std::string(value) +
                            " FROM " + std::string(table) + " ORDER BY time, row_id";
    Statement q(db, sql);
    std::vector<HealthConnectSample> out;
    while (q.step()) {
        HealthConnectSample s;
        s.row_id = q.integer(0);
        const std::string where = std::string(table) + " row_id " + std::to_string(s.row_id);
        if (q.type(2) != SQLITE_INTEGER) throw ParseError(db.name(), where, "time", "expected epoch milliseconds");
        s.time = q.integer(2) / 1000;
        if (!q.is_null(3)) {
            const std::int64_t off = q.integer(3);
            if (q.type(3) != SQLITE_INTEGER || off < -kMaxOffsetS || off > kMaxOffsetS) {
                throw ParseError(db.name(), where, "zone_offset " + q.text(3), "expected seconds between -64800 and 64800");
            }
            s.utc_offset_min = static_cast<std::int32_t>(off / 60);
        }
        s.local_date = q.is_null(4) ? 0 : q.integer(4);
        const int t = q.type(5);
        if (t != SQLITE_INTEGER && t != SQLITE_FLOAT) throw ParseError(db.name(), where, std::string(value), "expected a number");
        s.value = q.real(5);
        // Implausible values are the caller's to skip and count (METRICS.md §8).
        if (!std::isfinite(s.value)) {
            throw ParseError(db.name(), where, std::string(value) + " " + q.text(5), "not a finite number");
        }
        s.app = app_of(apps, q.integer(1));
        out.push_back(std::move(s));
    }
    return out;
}

// The HRV and resting-HR tables, when the export has them, as readings of
// the writing app's source (METRICS.md §8): an RMSSD record counts for the
// night whose window holds its time; resting heart rate for the main sleep
// labelled with its local_date.
void add_vitals(Database& db, const std::map<std::int64_t, std::string>& apps, const std::string& display_name,
                ImportBatch& out) {
    constexpr std::string_view kHrv = "heart_rate_variability_rmssd_record_table";
    constexpr std::string_view kRhr = "resting_heart_rate_record_table";
    VitalScreen screen(out, display_name);
    auto add = [&](const std::vector<HealthConnectSample>& samples, VitalKind kind, std::string_view table) {
        for (const HealthConnectSample& hc : samples) {
            VitalReading r;
            r.kind = kind;
            r.value = hc.value;
            r.start = r.end = hc.time;
            if (kind == VitalKind::RestingHr) {
                r.basis = VitalBasis::Daily;
                r.date = hc.local_date != 0 ? boost::gregorian::date(1970, 1, 1) + boost::gregorian::days(hc.local_date)
                                            : local_date(hc.time, hc.utc_offset_min);
            } else {
                r.basis = VitalBasis::Sample;
            }
            r.source = out.add_source(Source{"health_connect", hc.app, "", ""});
            r.line = static_cast<std::uint32_t>(std::clamp<std::int64_t>(hc.row_id, 0, UINT32_MAX));
            r.origin = "Health Connect " + std::string(table);
            screen.add(std::move(r));
        }
    };
    if (db.has_table(kHrv))
        add(read_samples(db, kHrv, "heart_rate_variability_millis", apps), VitalKind::HrvRmssd, kHrv);
    if (db.has_table(kRhr)) add(read_samples(db, kRhr, "beats_per_minute", apps), VitalKind::RestingHr, kRhr);
    screen.finish();
}

}  // namespace

const Importer& health_connect_importer() {
    static const HealthConnectImporter importer;
    return importer;
}

HealthConnectVitals read_health_connect_vitals(std::string_view db_bytes, const std::string& display_name) {
    require_sqlite(db_bytes, display_name);
    TempCopy copy(db_bytes, display_name);
    Database db(copy.path(), display_name);
    db.quick_check();
    const auto apps = app_names(db);
    HealthConnectVitals v;
    v.hrv_rmssd_ms = read_samples(db, "heart_rate_variability_rmssd_record_table", "heart_rate_variability_millis", apps);
    v.resting_hr_bpm = read_samples(db, "resting_heart_rate_record_table", "beats_per_minute", apps);
    return v;
}

}  // namespace sleeparch::importers
