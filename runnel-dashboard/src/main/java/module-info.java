/** A live web dashboard for a running pipeline, served by the remote server. */
module io.runnel.dashboard {
  requires transitive io.runnel.remote;
}
