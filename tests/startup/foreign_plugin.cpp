// A libwale-s3.so of another wal-e version (test startup.libraries): wal-e
// must refuse it with one clear line instead of calling into it.
#include "app/plugin.h"

extern "C" const wale::app::S3Plugin wale_s3_plugin{"0.0.0-foreign", nullptr};
