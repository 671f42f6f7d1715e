#include "pg/connection.h"

#include <libpq-fe.h>

#include <poll.h>

#include <cerrno>
#include <cstdlib>

#include "core/error.h"
#include "core/stop_token.h"

namespace wale::pg {
namespace {

std::string first_line(const char* text) {
  std::string s = text ? text : "";
  auto nl = s.find('\n');
  if (nl != std::string::npos) s.resize(nl);
  return s;
}

}  // namespace

void Connection::Deleter::operator()(pg_conn* conn) const { PQfinish(conn); }

Connection::Connection(const std::string& conninfo) {
  std::string info = conninfo;
  if (info.empty()) {
    const char* db = std::getenv("PGDATABASE");
    info = (db && *db) ? "" : "dbname=postgres";
  }
  info += " application_name=wal-e";
  conn_.reset(PQconnectdb(info.c_str()));
  if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) {
    throw Error(ErrorCode::Postgres, "could not connect to the database: " + first_line(PQerrorMessage(conn_.get())),
                {}, "Set PGHOST, PGPORT and PGUSER (a superuser or a role with pg_backup_start rights).");
  }
  // Backups can take hours: no statement timeout for this session.
  query("SET statement_timeout = 0");
}

Connection::~Connection() = default;

std::vector<Row> Connection::query(const std::string& sql, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  PGconn* c = conn_.get();
  if (PQsendQueryParams(c, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0) ==
      0) {
    throw Error(ErrorCode::Postgres, "query failed: " + first_line(PQerrorMessage(c)), "The query was: " + sql);
  }
  // Wait for the reply in 100 ms steps so that a stop signal is noticed even
  // while the server works (pg_backup_start's checkpoint): the query is then
  // cancelled and the connection closed by the destructor.
  while (PQisBusy(c) != 0) {
    if (stop_requested()) {
      if (PGcancel* cancel = PQgetCancel(c)) {
        char err[256];
        PQcancel(cancel, err, sizeof err);
        PQfreeCancel(cancel);
      }
      throw_if_stopped();
    }
    struct pollfd pfd {
      PQsocket(c), POLLIN, 0
    };
    int ready = ::poll(&pfd, 1, 100);
    if (ready < 0 && errno != EINTR) throw_errno("could not wait for the database server", "", errno);
    if (ready > 0 && PQconsumeInput(c) == 0) {
      throw Error(ErrorCode::Postgres, "query failed: " + first_line(PQerrorMessage(c)), "The query was: " + sql);
    }
  }
  std::unique_ptr<PGresult, void (*)(PGresult*)> res(PQgetResult(c), PQclear);
  while (PGresult* extra = PQgetResult(c)) PQclear(extra);  // one statement: normally none
  auto status = PQresultStatus(res.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    throw Error(ErrorCode::Postgres, "query failed: " + first_line(PQresultErrorMessage(res.get())),
                "The query was: " + sql);
  }
  std::vector<Row> rows;
  int n = PQntuples(res.get());
  int m = PQnfields(res.get());
  rows.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    Row row;
    row.reserve(static_cast<std::size_t>(m));
    for (int j = 0; j < m; ++j) row.emplace_back(PQgetvalue(res.get(), i, j));
    rows.push_back(std::move(row));
  }
  return rows;
}

Row Connection::query_row(const std::string& sql, const std::vector<std::string>& params) {
  auto rows = query(sql, params);
  if (rows.size() != 1) {
    throw Error(ErrorCode::Postgres, "query returned " + std::to_string(rows.size()) + " rows, expected 1",
                "The query was: " + sql);
  }
  return rows.front();
}

int Connection::server_version_num() const { return PQserverVersion(conn_.get()); }

}  // namespace wale::pg
