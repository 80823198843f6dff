/* px-tool-test.h: running parallax-tool in the recon tool tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Runs px_tool_main() with "parallax-tool" and the arguments up to NULL;
 * returns its exit code. */
int   px_tool_test_run          (const char *first,
                                 ...) G_GNUC_NULL_TERMINATED;

/* The same with an argument vector, NULL-terminated, without argv[0]. */
int   px_tool_test_runv         (const char * const *args);

/* The test folder: the parent process makes it (from @template) and puts
 * it in the environment as @variable; its subprocesses find it there. */
void  px_tool_test_folder_init  (const char *variable,
                                 const char *template);

/* The parent removes the folder and everything in it. */
void  px_tool_test_folder_remove (void);

/* A path under the test folder, built from the parts up to NULL. */
char *px_tool_test_path         (const char *first,
                                 ...) G_GNUC_NULL_TERMINATED;

/* In a subprocess: prints "exit status CODE" on stderr, then exits with it. */
G_NORETURN
void  px_tool_test_exit         (int         code);

/* In the parent: runs this case's subprocess and asserts that it failed
 * with @status, as px_tool_test_exit() said. */
void  px_tool_test_trap_failed  (int         status,
                                 gint64      deadline_us);

G_END_DECLS
