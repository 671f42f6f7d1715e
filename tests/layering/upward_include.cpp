// Compiled by the test build.layering.upward_include (never by the default
// build): a file of a low module (linked like wale_store) that includes a
// higher module's header must not compile.
#include "backup/backup_push.h"
#include "core/error.h"
#include "store/object_store.h"
