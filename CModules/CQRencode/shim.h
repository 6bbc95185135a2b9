/* libqrencode, for enrollment QR codes drawn as text. */
#include <qrencode.h>
