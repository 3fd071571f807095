package dev.orchard.job;

import dev.orchard.Orchard;
import dev.orchard.ModelException;
import dev.orchard.StorageException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code orchard <command> [flags]}: the command line and the spark-submit main class.
 *
 * <p>Exit codes: 0 done, 1 the run failed (storage, model, data), 2 bad flags. Every failure is one
 * line on standard error that says what is wrong and how to fix it ({@code --verbose} adds the stack
 * trace).
 */
@Command(name = "orchard",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Turns images into compact, model-ready features on Spark: "
                + "TensorFlow featurization, distributed PCA, Parquet/CSV output.",
        subcommands = {
            Commands.Run.class,
            Commands.Featurize.class,
            Commands.PcaCmd.class,
            Commands.Transform.class,
            Commands.InspectModel.class,
            Commands.MakeModel.class,
            Plan.class,
            CommandLine.HelpCommand.class
        })
public final class Main {

    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;

    /** The version {@code --version} prints. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"orchard " + Orchard.VERSION};
        }
    }

    public static void main(String[] args) throws Exception {
        java.util.List<String> relaunch = NativeEnvironment.relaunchCommand(args);
        if (relaunch != null) {
            // java -jar orchard.jar: TensorFlow reads oneDNN and logging settings from the environment.
            System.exit(NativeEnvironment.relaunch(relaunch));
        }
        int code = execute(args);
        if (code == 0 && inYarnClusterDriver()) {
            // YARN cluster mode: the ApplicationMaster runs main in a thread and reports SUCCEEDED
            // when it returns; System.exit (even 0) before that makes its shutdown hook report the
            // application FAILED ("Shutdown hook called before final status was reported").
            return;
        }
        // Standalone cluster mode (DriverWrapper) and client mode read failure from the exit status
        // of the driver JVM; System.exit also ends it when a library left a non-daemon thread behind.
        System.exit(code);
    }

    /** True inside a YARN ApplicationMaster in cluster mode (it sets these before calling main). */
    private static boolean inYarnClusterDriver() {
        return "yarn".equals(System.getProperty("spark.master"))
                && "cluster".equals(System.getProperty("spark.submit.deployMode"));
    }

    /** Runs a command line and returns its exit code (tests call this; it never calls System.exit). */
    public static int execute(String... args) {
        if (System.getProperty("log4j2.configurationFile") == null && System.getProperty("spark.master") == null) {
            System.setProperty("log4j2.configurationFile", "orchard-log4j2.properties");
        }
        return commandLine().execute(args);
    }

    /** The command line with Orchard's handlers of bad flags and failures (exit codes above). */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(Main::onFailure);
        cli.setParameterExceptionHandler(Main::onBadFlags);
        return cli;
    }

    /**
     * A flag picocli could not parse: its message, picocli's "Did you mean" suggestions for a mistyped
     * flag or command, and where the flags are listed ({@code orchard --help}, {@code orchard run --help}).
     */
    private static int onBadFlags(CommandLine.ParameterException ex, String[] args) {
        PrintWriter err = ex.getCommandLine().getErr();
        err.println("orchard: " + ex.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
        err.println("Run '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for the flags.");
        err.flush();
        return EXIT_USAGE;
    }

    static int onFailure(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        boolean verbose = parsed.hasMatchedOption("--verbose");
        // Only UsageException is a usage error (exit 2). An IllegalArgumentException (Scala's require
        // included) from Spark, TensorFlow or Orchard's own code is a failed run, reported as one.
        if (ex instanceof UsageException) {
            err.println("orchard: " + ex.getMessage());
            err.flush();
            return EXIT_USAGE;
        }
        if (ex instanceof StorageException || ex instanceof ModelException) {
            err.println("orchard: " + ex.getMessage());
        } else {
            Throwable root = ex;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            err.println("orchard: " + cmd.getCommandName() + " failed: " + oneLine(root)
                    + (verbose ? "" : " (run with --verbose for details)"));
        }
        if (verbose) {
            ex.printStackTrace(err);
        }
        err.flush();
        return EXIT_FAILED;
    }

    private static String oneLine(Throwable t) {
        String m = t.getMessage();
        String s = (m == null || m.isBlank()) ? t.getClass().getSimpleName() : m;
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
