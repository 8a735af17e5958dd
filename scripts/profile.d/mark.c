// SPDX-License-Identifier: GPL-2.0
/* Runs insnprof's marker instruction once: the plugin dumps its counts. */
int main(void)
{
	__asm__ volatile(".byte 0x0f, 0x1f, 0x80, 0x78, 0x56, 0x34, 0x12");
	return 0;
}
