#include "config.h"
#include "regress.h"
struct regress_case regress_buffer2_cases[] = {
	RT_END
};
