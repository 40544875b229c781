/**
 * A live web dashboard for a running pipeline, served by the remote server ({@link
 * io.runnel.dashboard.Dashboard}).
 */
module io.runnel.dashboard {
  requires transitive io.runnel.remote;

  exports io.runnel.dashboard;
}
