/* SPDX-License-Identifier: GPL-2.0 */
/* trellisd-tools.so: the commands that need libraries no other command
 * does (libxml2 and METIS for import, Graphviz for graph).  trellisd loads
 * it only when one of them runs; tools.c has the stubs that do. */
#ifndef TRELLISD_TOOLS_H
#define TRELLISD_TOOLS_H

int tools_import(int argc, char **argv);	/* import.c */
int tools_graph(int argc, char **argv);	/* graph.c */

#endif
