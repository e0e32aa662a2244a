/* trackd's administrative commands, run beside a live trackd on the same
 * database:
 *	trackd token add --role ROLE [--name NAME] [--scanner ID]... --db FILE
 *	trackd token list --db FILE
 *	trackd token revoke ID --db FILE
 *	trackd backup COPY --db FILE
 */
#ifndef TRACKD_ADMIN_H
#define TRACKD_ADMIN_H

#include <stdbool.h>

/* True when argv names one of the commands. */
bool admin_command(int argc, char **argv);
/* Run it: the process's exit status. */
int admin_main(int argc, char **argv);

#endif
