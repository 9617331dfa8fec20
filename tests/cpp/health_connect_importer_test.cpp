// Android Health Connect importer on databases built here with the SQLite C
// API in the platform's schema (FORMATS.md "Android Health Connect export"):
// stage codes 0-7, epoch-ms times, zone offsets in seconds, stage rows out
// of order, a session without stages, two writing apps competing for one
// night, the HRV and resting-HR tables, the zip the phone writes, and hostile
// or foreign databases. The expected minutes are worked out by hand.
#include <gtest/gtest.h>

#include <sqlite3.h>
#include <zip.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "sleeparch/assembly.hpp"
#include "sleeparch/error.hpp"
#include "sleeparch/importers/health_connect.hpp"
#include "sleeparch/importers/import.hpp"
#include "sleeparch/metrics.hpp"
#include "sleeparch/time.hpp"
#include "support/test_support.hpp"

namespace sleeparch {
namespace {

using importers::import_buffer;
using importers::ImportOptions;

const ImportOptions kOptions;

UtcSeconds utc(const std::string& iso) {
    ParsedTime t = parse_iso_datetime(iso);
    EXPECT_TRUE(t.ok) << iso;
    return t.utc();
}

std::string ms(const std::string& iso) { return std::to_string(utc(iso) * 1000); }

// The tables and columns of the platform database this importer reads, with
// some of the columns it does not.
const char* kSchema = R"sql(
CREATE TABLE application_info_table (row_id INTEGER PRIMARY KEY AUTOINCREMENT, package_name TEXT NOT NULL UNIQUE,
  app_name TEXT, app_icon BLOB, record_types_used TEXT);
CREATE TABLE device_info_table (row_id INTEGER PRIMARY KEY AUTOINCREMENT, manufacturer TEXT, model TEXT, device_type INTEGER);
CREATE TABLE sleep_session_record_table (row_id INTEGER PRIMARY KEY AUTOINCREMENT, uuid BLOB NOT NULL UNIQUE,
  last_modified_time INTEGER NOT NULL, client_record_id TEXT, client_record_version TEXT, device_info_id INTEGER,
  app_info_id INTEGER, recording_method INTEGER, dedupe_hash BLOB UNIQUE, start_time INTEGER NOT NULL,
  start_zone_offset INTEGER, end_time INTEGER NOT NULL, end_zone_offset INTEGER, local_date INTEGER,
  notes TEXT, title TEXT);
CREATE TABLE sleep_stages_table (row_id INTEGER PRIMARY KEY AUTOINCREMENT, stage_start_time INTEGER NOT NULL,
  stage_end_time INTEGER NOT NULL, stage_type INTEGER NOT NULL,
  parent_key INTEGER NOT NULL REFERENCES sleep_session_record_table(row_id) ON DELETE CASCADE);
CREATE INDEX idx_sleep_stages_parent ON sleep_stages_table(parent_key);
CREATE TABLE heart_rate_variability_rmssd_record_table (row_id INTEGER PRIMARY KEY AUTOINCREMENT,
  uuid BLOB NOT NULL UNIQUE, last_modified_time INTEGER NOT NULL, app_info_id INTEGER, device_info_id INTEGER,
  time INTEGER NOT NULL, zone_offset INTEGER, local_date INTEGER, heart_rate_variability_millis REAL NOT NULL);
CREATE TABLE resting_heart_rate_record_table (row_id INTEGER PRIMARY KEY AUTOINCREMENT,
  uuid BLOB NOT NULL UNIQUE, last_modified_time INTEGER NOT NULL, app_info_id INTEGER, device_info_id INTEGER,
  time INTEGER NOT NULL, zone_offset INTEGER, local_date INTEGER, beats_per_minute INTEGER NOT NULL);
PRAGMA user_version = 23;
)sql";

// Builds a database from SQL and returns its bytes.
std::string make_db(const std::string& sql) {
    testing::TempDir dir;
    const auto path = dir.path() / "health_connect_export.db";
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_exec(db, "PRAGMA synchronous = OFF; PRAGMA journal_mode = MEMORY;", nullptr, nullptr, nullptr);
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
    return testing::read_file(path);
}

std::string session(int row, int app, const std::string& start, const std::string& end, int start_off_s,
                    int end_off_s) {
    return "INSERT INTO sleep_session_record_table (row_id, uuid, last_modified_time, app_info_id, start_time, "
           "start_zone_offset, end_time, end_zone_offset) VALUES (" +
           std::to_string(row) + ", randomblob(16), " + ms("2024-04-05T00:00:00Z") + ", " + std::to_string(app) + ", " +
           ms(start) + ", " + std::to_string(start_off_s) + ", " + ms(end) + ", " + std::to_string(end_off_s) + ");\n";
}

std::string stage(int parent, const std::string& start, const std::string& end, int code) {
    return "INSERT INTO sleep_stages_table (stage_start_time, stage_end_time, stage_type, parent_key) VALUES (" +
           ms(start) + ", " + ms(end) + ", " + std::to_string(code) + ", " + std::to_string(parent) + ");\n";
}

// Samsung Health (app 1) and Oura (app 2).
//  Session 1 (Samsung): 30 Mar 22:00 Z .. 31 Mar 06:00 Z across the European
//    DST change, every stage code but 0, rows inserted out of time order.
//    Wake 15 + 5 + 10, Light 45 + 90 + 115, Deep 60, REM 30 + 60, Asleep 50.
//  Session 2 (Oura): 22:30 .. 05:30 the same night, no stages (unstaged
//    sleep: fewer staged minutes, so Samsung wins the night).
//  Session 3 (Samsung): a nap 31 Mar 12:00 .. 12:40 Z, light then unknown (0).
//  Session 4 (Oura): 1 Apr 23:00 .. 2 Apr 06:30 Z, no stages.
std::string fixture_sql() {
    std::string sql = kSchema;
    sql += "INSERT INTO application_info_table (row_id, package_name, app_name) VALUES "
           "(1, 'com.sec.android.app.shealth', 'Samsung Health'), (2, 'com.ouraring.oura', NULL);\n";
    sql += session(1, 1, "2024-03-30T22:00:00Z", "2024-03-31T06:00:00Z", 3600, 7200);
    sql += stage(1, "2024-03-31T05:00:00Z", "2024-03-31T05:50:00Z", 2);
    sql += stage(1, "2024-03-30T22:15:00Z", "2024-03-30T23:00:00Z", 4);
    sql += stage(1, "2024-03-30T22:00:00Z", "2024-03-30T22:15:00Z", 1);
    sql += stage(1, "2024-03-30T23:00:00Z", "2024-03-31T00:00:00Z", 5);
    sql += stage(1, "2024-03-31T00:00:00Z", "2024-03-31T01:30:00Z", 4);
    sql += stage(1, "2024-03-31T01:30:00Z", "2024-03-31T02:00:00Z", 6);
    sql += stage(1, "2024-03-31T02:00:00Z", "2024-03-31T02:05:00Z", 7);
    sql += stage(1, "2024-03-31T02:05:00Z", "2024-03-31T04:00:00Z", 4);
    sql += stage(1, "2024-03-31T04:00:00Z", "2024-03-31T05:00:00Z", 6);
    sql += stage(1, "2024-03-31T05:50:00Z", "2024-03-31T06:00:00Z", 3);
    sql += session(2, 2, "2024-03-30T22:30:00Z", "2024-03-31T05:30:00Z", 3600, 7200);
    sql += session(3, 1, "2024-03-31T12:00:00Z", "2024-03-31T12:40:00Z", 7200, 7200);
    sql += stage(3, "2024-03-31T12:30:00Z", "2024-03-31T12:40:00Z", 0);
    sql += stage(3, "2024-03-31T12:00:00Z", "2024-03-31T12:30:00Z", 4);
    sql += session(4, 2, "2024-04-01T23:00:00Z", "2024-04-02T06:30:00Z", 7200, 7200);
    sql += "INSERT INTO heart_rate_variability_rmssd_record_table (uuid, last_modified_time, app_info_id, time, "
           "zone_offset, local_date, heart_rate_variability_millis) VALUES "
           "(randomblob(16), 0, 2, " + ms("2024-04-02T04:00:00Z") + ", 7200, 19815, 41.5), "
           "(randomblob(16), 0, 1, " + ms("2024-03-31T03:00:00Z") + ", 7200, 19813, 38.25);\n";
    sql += "INSERT INTO resting_heart_rate_record_table (uuid, last_modified_time, app_info_id, time, zone_offset, "
           "local_date, beats_per_minute) VALUES (randomblob(16), 0, 1, " + ms("2024-03-31T08:00:00Z") +
           ", 7200, 19813, 52);\n";
    return sql;
}

std::string error_of(const std::string& bytes, const std::string& name = "health_connect_export.db",
                     const std::string& format = "health_connect") {
    try {
        import_buffer(bytes, name, kOptions, format);
    } catch (const ParseError& e) {
        return e.what();
    }
    return "no error";
}

TEST(HealthConnect, SessionsStagesAndOneSourcePerApp) {
    const std::string db = make_db(fixture_sql());
    ImportBatch b = import_buffer(db, "export/some.db", kOptions);  // recognised by content
    ASSERT_EQ(b.sources.size(), 2u);
    EXPECT_EQ(b.sources[0].format, "health_connect");
    EXPECT_EQ(b.sources[0].name, "Samsung Health");
    EXPECT_EQ(b.sources[1].name, "com.ouraring.oura");  // no app name: the package name
    AssemblyResult r = assemble_nights(b);
    ASSERT_EQ(r.nights.size(), 3u);

    const Night& night = r.nights[0];
    EXPECT_EQ(night.source.name, "Samsung Health");
    EXPECT_EQ(night.window_start, utc("2024-03-30T22:00:00Z"));
    EXPECT_EQ(night.window_end, utc("2024-03-31T06:00:00Z"));
    EXPECT_EQ(night.utc_offset_min, 60);  // start_zone_offset 3600 s
    EXPECT_EQ(format_date(night.label_date), "2024-03-31");
    EXPECT_FALSE(night.is_nap);
    ASSERT_EQ(night.provenance.dropped_sources.size(), 1u);
    EXPECT_NE(night.provenance.dropped_sources[0].find("com.ouraring.oura"), std::string::npos);
    const NightMetrics m = compute_metrics(night);
    EXPECT_DOUBLE_EQ(m.tib_min, 480);
    EXPECT_DOUBLE_EQ(m.wake_min, 30);
    EXPECT_DOUBLE_EQ(m.light_min, 250);
    EXPECT_DOUBLE_EQ(m.deep_min, 60);
    EXPECT_DOUBLE_EQ(m.rem_min, 90);
    EXPECT_DOUBLE_EQ(m.asleep_unstaged_min, 50);
    EXPECT_DOUBLE_EQ(m.tst_min, 450);
    EXPECT_DOUBLE_EQ(m.sol_min, 15);

    const Night& nap = r.nights[1];
    EXPECT_TRUE(nap.is_nap);
    const NightMetrics mn = compute_metrics(nap);
    EXPECT_DOUBLE_EQ(mn.light_min, 30);
    EXPECT_DOUBLE_EQ(mn.unscored_min, 10);  // stage 0 unknown

    const Night& unstaged = r.nights[2];
    EXPECT_EQ(unstaged.source.name, "com.ouraring.oura");
    EXPECT_EQ(unstaged.utc_offset_min, 120);
    EXPECT_EQ(format_date(unstaged.label_date), "2024-04-02");
    EXPECT_DOUBLE_EQ(compute_metrics(unstaged).asleep_unstaged_min, 450);
}

TEST(HealthConnect, ZipAsThePhoneWritesIt) {
    const std::string db = make_db(fixture_sql());
    testing::TempDir dir;
    const auto path = dir.path() / "Health Connect.zip";
    int err = 0;
    zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    ASSERT_NE(z, nullptr);
    zip_source_t* src = zip_source_buffer(z, db.data(), db.size(), 0);
    ASSERT_GE(zip_file_add(z, "health_connect_export.db", src, ZIP_FL_ENC_UTF_8), 0);
    ASSERT_EQ(zip_close(z), 0);
    // The importer's temporary copy goes to a directory of this test's own, so
    // other tests running beside it cannot put their copies where this looks.
    testing::TempDir tmp;
    struct TmpdirOverride {
        bool had = false;
        std::string saved;
        explicit TmpdirOverride(const std::string& dir) {
            if (const char* old = std::getenv("TMPDIR")) { had = true; saved = old; }
            ::setenv("TMPDIR", dir.c_str(), 1);
        }
        ~TmpdirOverride() {
            if (had) ::setenv("TMPDIR", saved.c_str(), 1); else ::unsetenv("TMPDIR");
        }
    };
    importers::ImportReport report;
    ImportBatch b;
    {
        TmpdirOverride over(tmp.path().string());
        ASSERT_EQ(std::filesystem::temp_directory_path(), tmp.path());
        b = importers::import_paths({path.string()}, kOptions, &report);
    }
    ASSERT_EQ(report.imported.size(), 1u);
    EXPECT_EQ(report.imported[0].second, "health_connect");
    EXPECT_EQ(assemble_nights(b).nights.size(), 3u);
    // The temporary copy is gone: the private directory is empty again.
    EXPECT_TRUE(std::filesystem::is_empty(tmp.path()));
}

TEST(HealthConnect, HrvAndRestingHeartRate) {
    const auto v = importers::read_health_connect_vitals(make_db(fixture_sql()), "hc.db");
    ASSERT_EQ(v.hrv_rmssd_ms.size(), 2u);
    EXPECT_EQ(v.hrv_rmssd_ms[0].time, utc("2024-03-31T03:00:00Z"));  // sorted by time
    EXPECT_DOUBLE_EQ(v.hrv_rmssd_ms[0].value, 38.25);
    EXPECT_EQ(v.hrv_rmssd_ms[0].app, "Samsung Health");
    EXPECT_EQ(v.hrv_rmssd_ms[0].utc_offset_min, 120);
    EXPECT_EQ(v.hrv_rmssd_ms[0].local_date, 19813);
    EXPECT_DOUBLE_EQ(v.hrv_rmssd_ms[1].value, 41.5);
    ASSERT_EQ(v.resting_hr_bpm.size(), 1u);
    EXPECT_DOUBLE_EQ(v.resting_hr_bpm[0].value, 52);
}

TEST(HealthConnect, ForeignAndHostileDatabases) {
    // A SQLite file that is not Health Connect: not claimed, and read as one
    // it names the missing table.
    const std::string other = make_db("CREATE TABLE notes (id INTEGER, body TEXT); INSERT INTO notes VALUES (1, 'x');");
    EXPECT_EQ(error_of(other, "notes.db", ""), "notes.db: not a format sleeparch reads (see `sleeparch formats`)");
    EXPECT_EQ(error_of(other),
              "health_connect_export.db: table sleep_session_record_table: missing: not a Health Connect export "
              "(or a schema this version does not know)");
    // A view in place of the table is not read.
    EXPECT_EQ(error_of(make_db("CREATE TABLE t (x); CREATE VIEW sleep_session_record_table AS SELECT * FROM t;")),
              "health_connect_export.db: table sleep_session_record_table: missing: not a Health Connect export "
              "(or a schema this version does not know)");
    EXPECT_EQ(error_of(make_db("CREATE TABLE sleep_session_record_table (row_id INTEGER PRIMARY KEY, uuid BLOB, "
                               "start_time INTEGER);")),
              "health_connect_export.db: sleep_session_record_table.app_info_id: missing column");
    EXPECT_EQ(error_of("not a database at all"),
              "health_connect_export.db: header: not a SQLite database (no \"SQLite format 3\" header)");
    // Truncated: SQLite's own checks report it; never a crash.
    const std::string db = make_db(fixture_sql());
    const std::string message = error_of(db.substr(0, db.size() / 2));
    EXPECT_EQ(message.rfind("health_connect_export.db: ", 0), 0u) << message;
    EXPECT_NE(message.find("SQLite"), std::string::npos) << message;
}

TEST(HealthConnect, BadValuesNameTheSession) {
    std::string sql = kSchema;
    sql += "INSERT INTO application_info_table (row_id, package_name, app_name) VALUES (1, 'a', 'A');\n";
    sql += session(7, 1, "2024-03-30T22:00:00Z", "2024-03-31T06:00:00Z", 3600, 3600);
    EXPECT_EQ(error_of(make_db(sql + stage(7, "2024-03-30T22:00:00Z", "2024-03-30T23:00:00Z", 9))),
              "health_connect_export.db:sleep_session_record_table row_id 7 stage: stage_type 9: unknown stage "
              "(expected 0 unknown, 1 awake, 2 sleeping, 3 out of bed, 4 light, 5 deep, 6 REM, 7 awake in bed)");
    EXPECT_EQ(error_of(make_db(sql + "UPDATE sleep_session_record_table SET start_zone_offset = 90000;")),
              "health_connect_export.db:sleep_session_record_table row_id 7: start_zone_offset 90000: expected "
              "seconds between -64800 and 64800");
    EXPECT_EQ(error_of(make_db(sql + "UPDATE sleep_session_record_table SET end_time = start_time;")),
              "health_connect_export.db:sleep_session_record_table row_id 7: end_time " + ms("2024-03-30T22:00:00Z") +
                  ": not after start_time " + ms("2024-03-30T22:00:00Z"));
    // No offset: read as UTC with a warning.
    ImportBatch b = import_buffer(make_db(sql + "UPDATE sleep_session_record_table SET start_zone_offset = NULL;"),
                                  "health_connect_export.db", kOptions);
    ASSERT_EQ(b.warnings.size(), 1u);
    EXPECT_EQ(b.warnings[0].message, "1 session without start_zone_offset read as UTC");
}

}  // namespace
}  // namespace sleeparch
