/* config/dump.c - nginx -T: every file the config was read from, as it was read.
 *
 * The bytes come from the snapshot, not from disk, so -T shows what is loaded even if a
 * file changed since. The layout is nginx's, so tools that split its -T output work on
 * ours: a "# configuration file PATH:" line, the bytes, then a newline. */
#include <stdio.h>

#include "config/config.h"
#include "core/pt_types.h"

int pt_config_dump(const struct pt_config *cfg, FILE *out)
{
    for (uint32_t i = 0; i < cfg->file_count; i++) {
        fprintf(out, "# configuration file %s:\n", cfg->files[i]);
        fwrite(cfg->file_data[i], 1, cfg->file_sizes[i], out);
        fputc('\n', out);
    }
    return ferror(out) || fflush(out) != 0 ? PT_ERROR : PT_OK;
}
