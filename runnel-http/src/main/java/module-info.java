/** Store-and-forward sync of the history to an HTTP endpoint ({@code CloudSync}). */
module io.runnel.http {
  requires transitive io.runnel.store;
  requires com.fasterxml.jackson.databind;

  exports io.runnel.http;
}
