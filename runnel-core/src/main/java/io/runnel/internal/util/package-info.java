/**
 * Implementation details shared between Runnel's packages. Nothing here is API: it may change in
 * any release without notice.
 */
package io.runnel.internal.util;
