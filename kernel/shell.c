/* A line editor (backspace, ^U) and a command dispatcher. Input comes from the UART
 * by polling in the main loop; nothing here runs in interrupt context. */
#include "shell.h"
#include "console.h"

#include <string.h>

#define LINE_MAX 256
#define ARGS_MAX 16

extern const struct shell_command *const __shell_commands_start[], *const __shell_commands_end[];

static char line[LINE_MAX];
static unsigned line_len;

static void prompt(void) { console_write("vmgate> ", 8); }

void shell_execute(char *s)
{
    char *argv[ARGS_MAX];
    int argc = 0;
    for (char *tok = strtok(s, " \t"); tok && argc < ARGS_MAX; tok = strtok(NULL, " \t"))
        argv[argc++] = tok;
    if (argc == 0)
        return;
    for (const struct shell_command *const *c = __shell_commands_start; c < __shell_commands_end; c++) {
        if (strcmp((*c)->name, argv[0]) == 0) {
            (*c)->run(argc, argv);
            return;
        }
    }
    kprintf("unknown command '%s' (try 'help')\n", argv[0]);
}

int shell_poll(void)
{
    int any = 0, c;
    if (!console_rx_ready())
        return 0;
    while ((c = console_getc()) >= 0) {
        any = 1;
        if (c == '\r' || c == '\n') {
            console_write("\n", 1);
            line[line_len] = 0;
            shell_execute(line);
            line_len = 0;
            prompt();
        } else if (c == 0x7f || c == 0x08) {
            if (line_len) {
                line_len--;
                console_write("\b \b", 3);
            }
        } else if (c == 0x15) {                 /* ^U: kill the line */
            while (line_len) {
                line_len--;
                console_write("\b \b", 3);
            }
        } else if (c >= 0x20 && c < 0x7f && line_len < LINE_MAX - 1) {
            line[line_len++] = (char)c;
            char ch = (char)c;
            console_write(&ch, 1);
        }
    }
    return any;
}

static void cmd_help(int argc, char **argv)
{
    for (const struct shell_command *const *c = __shell_commands_start; c < __shell_commands_end; c++)
        kprintf("  %-10s %s\n", (*c)->name, (*c)->help);
}
SHELL_COMMAND("help", "list commands", cmd_help);

/* Prints its arguments: scripts and the lab harness fence a command's output with it. */
static void cmd_echo(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        kprintf("%s%s", argv[i], i + 1 < argc ? " " : "");
    kprintf("\n");
}
SHELL_COMMAND("echo", "print the arguments", cmd_echo);
