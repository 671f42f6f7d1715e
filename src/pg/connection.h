// Connection: one libpq connection, configured by the standard libpq
// environment (PGHOST, PGPORT, PGUSER, PGPASSFILE, ...). The database is
// PGDATABASE if set, else "postgres" (as WAL-E's psql -d postgres).
//
// Ownership: owns the PGconn; closing it (destruction) ends any session state,
// which aborts a non-exclusive backup that was not stopped.
// Thread safety: one thread at a time. Failures throw Error{Postgres}.
// A query in progress when the process StopToken is requested is cancelled
// (PQcancel) and throws Error{Cancelled} within ~100 ms.
#pragma once

#include <memory>
#include <string>
#include <vector>

struct pg_conn;

namespace wale::pg {

using Row = std::vector<std::string>;

class Connection {
 public:
  // `conninfo` is a libpq connection string; empty uses the environment only.
  explicit Connection(const std::string& conninfo = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs a query (text protocol, optional text parameters); returns all rows.
  std::vector<Row> query(const std::string& sql, const std::vector<std::string>& params = {});
  // Runs a query expected to return exactly one row.
  Row query_row(const std::string& sql, const std::vector<std::string>& params = {});
  int server_version_num() const;

 private:
  struct Deleter {
    void operator()(pg_conn* conn) const;
  };
  std::unique_ptr<pg_conn, Deleter> conn_;
};

}  // namespace wale::pg
