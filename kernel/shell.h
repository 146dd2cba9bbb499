/* The operator's command line on the serial console. Modules add commands with
 * SHELL_COMMAND in their own files; the shell finds them in a linker section. */
#ifndef VMGATE_SHELL_H
#define VMGATE_SHELL_H

struct shell_command {
    const char *name;
    const char *help;
    void (*run)(int argc, char **argv);
};

#define SHELL_COMMAND(cname, chelp, cfn) \
    static const struct shell_command shell_cmd_##cfn = { cname, chelp, cfn }; \
    static const struct shell_command *const shell_cmd_ptr_##cfn \
    __attribute__((used, section(".shell_commands"))) = &shell_cmd_##cfn

/* Feeds received console bytes to the line editor; runs a command per line.
 * Returns nonzero if it consumed any input. */
int shell_poll(void);
/* Runs one command line (also used by the control channel later). */
void shell_execute(char *line);

#endif
